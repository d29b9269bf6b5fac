import type { User } from '../api/types';
import { thumbnailUrl } from '../api/images';
import { AuthImage } from './AuthImage';

/** The user's avatar photo, or their initials on a colour of their own. */
export function Avatar({ user, size = 32 }: { user: User | null; size?: number }) {
  const name = user?.display_name || user?.email || '?';
  const initials = name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join('');
  const hue = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 0);
  if (user?.avatar_image_id) {
    return (
      <span className="avatar" style={{ width: size, height: size }}>
        <AuthImage src={thumbnailUrl(user.avatar_image_id)} alt={`${name}'s avatar`} eager />
      </span>
    );
  }
  return (
    <span
      className="avatar avatar--initials"
      style={{ width: size, height: size, background: `hsl(${hue} 55% 45%)`, fontSize: size * 0.4 }}
      aria-hidden="true"
    >
      {initials}
    </span>
  );
}
