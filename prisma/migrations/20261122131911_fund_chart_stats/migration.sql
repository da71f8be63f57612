-- CreateTable
CREATE TABLE "fund_month_stat" (
    "fund_id" UUID NOT NULL,
    "month" TEXT NOT NULL,
    "received_minor" BIGINT NOT NULL DEFAULT 0,
    "reversed_minor" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "fund_month_stat_pkey" PRIMARY KEY ("fund_id","month")
);

-- CreateTable
CREATE TABLE "fund_cooperative_stat" (
    "fund_id" UUID NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "given_minor" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "fund_cooperative_stat_pkey" PRIMARY KEY ("fund_id","cooperative_id")
);

-- Hand edit: build the figures from what already happened.
INSERT INTO fund_month_stat (fund_id, month, received_minor)
  SELECT l.fund_id, to_char(o.paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), sum(l.fund_share_minor)
  FROM order_line l JOIN customer_order o ON o.id = l.order_id
  WHERE o.status = 'paid' GROUP BY 1, 2;
INSERT INTO fund_month_stat (fund_id, month, reversed_minor)
  SELECT l.fund_id, to_char(r.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), sum(r.fund_reversal_minor)
  FROM refund r JOIN order_line l ON l.id = r.order_line_id GROUP BY 1, 2
  ON CONFLICT (fund_id, month) DO UPDATE SET reversed_minor = EXCLUDED.reversed_minor;
INSERT INTO fund_cooperative_stat (fund_id, cooperative_id, given_minor)
  SELECT l.fund_id, l.cooperative_id, sum(l.fund_share_minor) - coalesce(sum(rr.reversed), 0)
  FROM order_line l JOIN customer_order o ON o.id = l.order_id
  LEFT JOIN (SELECT order_line_id, sum(fund_reversal_minor) AS reversed FROM refund GROUP BY 1) rr ON rr.order_line_id = l.id
  WHERE o.status = 'paid' GROUP BY 1, 2;
