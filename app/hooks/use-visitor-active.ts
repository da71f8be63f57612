// True once the visitor has used the page: scrolled, pointed, touched or
// typed. Work that only enriches what is already shown (the interactive
// chart) waits for it, so a page opened and left untouched (a tab in the
// background, a crawler, a page-speed audit) never pays for it. False during
// the server render and the first client render, so both agree.
import { useEffect, useState } from "react";

const EVENTS = ["scroll", "wheel", "pointerdown", "pointermove", "touchstart", "keydown"] as const;
let active = false;
const waiting = new Set<() => void>();

function markActive() {
  active = true;
  for (const event of EVENTS) window.removeEventListener(event, markActive, true);
  for (const wake of waiting) wake();
  waiting.clear();
}

export function useVisitorActive(): boolean {
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (active) return setSeen(true);
    const wake = () => setSeen(true);
    if (waiting.size === 0) for (const event of EVENTS) window.addEventListener(event, markActive, { capture: true, passive: true });
    waiting.add(wake);
    return () => void waiting.delete(wake);
  }, []);
  return seen;
}
