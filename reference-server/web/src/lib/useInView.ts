import { useEffect, useState, type RefObject } from 'react';

/** True once the element has come near the viewport (then stays true). */
export function useInView(ref: RefObject<Element | null>, rootMargin = '200px', enabled = true): boolean {
  const [seen, setSeen] = useState(!enabled);
  useEffect(() => {
    if (seen || !ref.current) return;
    if (typeof IntersectionObserver === 'undefined') {
      setSeen(true);
      return;
    }
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setSeen(true);
          io.disconnect();
        }
      },
      { rootMargin },
    );
    io.observe(ref.current);
    return () => io.disconnect();
  }, [ref, rootMargin, seen]);
  return seen;
}
