import { Link } from 'react-router';
import { usePageTitle } from '../hooks/use-page-title.js';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Go to your organizations</Link>
      </p>
    </section>
  );
}
