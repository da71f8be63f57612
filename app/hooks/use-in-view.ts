// True once the element has come within `rootMargin` of the viewport, and
// stays true. False during the server render and the first client render
// (both agree), so what it gates is loaded only when a person scrolls to it.
import { useCallback, useRef, useState } from "react";

export function useInView<T extends Element>(rootMargin = "200px 0px"): [(element: T | null) => void, boolean] {
  const [seen, setSeen] = useState(false);
  const observer = useRef<IntersectionObserver | null>(null);
  const ref = useCallback(
    (element: T | null) => {
      observer.current?.disconnect();
      observer.current = null;
      if (!element || seen) return;
      // A browser without IntersectionObserver draws at once rather than never.
      if (typeof IntersectionObserver === "undefined") return setSeen(true);
      observer.current = new IntersectionObserver(
        (entries) => {
          if (entries.some((entry) => entry.isIntersecting)) {
            observer.current?.disconnect();
            setSeen(true);
          }
        },
        { rootMargin },
      );
      observer.current.observe(element);
    },
    [rootMargin, seen],
  );
  return [ref, seen];
}
