/**
 * Text that breaks between phrases, not inside them: a bracketed part such as
 * "（20 枚）" or "（待确认）" stays on one line, and Chinese runs break at
 * punctuation and spaces rather than between any two characters
 * (word-break: keep-all). A run wider than its box still breaks, so nothing
 * overflows a narrow card.
 */
export function Phrases({ text, className = "" }: { text: string; className?: string }) {
  const parts = text.split(/([（(][^（()）]*[）)])/).filter((part) => part !== "");
  return (
    <span className={`break-keep [overflow-wrap:anywhere] ${className}`}>
      {parts.map((part, index) =>
        /^[（(]/.test(part) ? (
          <span key={index} className="whitespace-nowrap">
            {part}
          </span>
        ) : (
          part
        ),
      )}
    </span>
  );
}
