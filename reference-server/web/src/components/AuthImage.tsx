// An <img> for URLs that need the bearer token (or a share password): fetched
// when near the viewport, shown through an object URL, revoked on unmount.

import { useEffect, useRef, useState } from 'react';
import { fetchBlob } from '../api/images';
import { useInView } from '../lib/useInView';

interface Props {
  src: string | null;
  alt: string;
  className?: string;
  /** Load at once instead of when scrolled near. */
  eager?: boolean;
  /** Share pages: no token, maybe a password header. */
  auth?: boolean;
  headers?: Record<string, string>;
  width?: number;
  height?: number;
  onLoad?: (img: HTMLImageElement) => void;
  draggable?: boolean;
}

export function AuthImage({ src, alt, className, eager, auth = true, headers, width, height, onLoad, draggable }: Props) {
  const box = useRef<HTMLSpanElement>(null);
  const visible = useInView(box, '300px', !eager);
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const headerKey = JSON.stringify(headers ?? {});

  useEffect(() => {
    if (!visible || !src) return;
    const ctl = new AbortController();
    let objectUrl: string | null = null;
    setFailed(false);
    fetchBlob(src, { auth, signal: ctl.signal, headers: JSON.parse(headerKey) as Record<string, string> }).then(
      (b) => {
        objectUrl = URL.createObjectURL(b);
        setUrl(objectUrl);
      },
      () => {
        if (!ctl.signal.aborted) setFailed(true);
      },
    );
    return () => {
      ctl.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      setUrl(null);
    };
  }, [visible, src, auth, headerKey]);

  return (
    <span ref={box} className={`auth-image ${className ?? ''} ${url ? 'is-loaded' : ''}`}>
      {url ? (
        <img
          src={url}
          alt={alt}
          width={width}
          height={height}
          draggable={draggable}
          onLoad={(e) => onLoad?.(e.currentTarget)}
        />
      ) : failed ? (
        <span className="auth-image__placeholder" role="img" aria-label={`${alt} (could not be loaded)`}>
          !
        </span>
      ) : (
        <span className="auth-image__placeholder skeleton" role="img" aria-label={`${alt} (loading)`} />
      )}
    </span>
  );
}
