// The admin refund form's field names, shared by the page that draws it and
// the server code that reads it (so this file must stay free of server code).

/** Per order line: a number of boxes, or an amount in yuan. */
export const refundFieldNames = (lineId: string) => ({ quantity: `quantity-${lineId}`, amount: `amount-${lineId}` });
