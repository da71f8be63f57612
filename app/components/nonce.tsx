import { createContext, useContext } from "react";

// The CSP nonce of this server render; empty in the browser (browsers hide it).
const NonceContext = createContext("");
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
