import { Link } from 'react-router-dom';
import { EmptyState } from '../components/ui';

export function NotFoundPage() {
  return (
    <EmptyState title="Page not found" action={<Link className="button" to="/">Go to the dashboard</Link>}>
      The page you asked for does not exist, or you cannot see it.
    </EmptyState>
  );
}
