// True once React has hydrated in the browser; false during the server render
// and the first client render, so both agree (no hydration mismatch).
import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
