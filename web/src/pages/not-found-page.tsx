/** Any path the app does not know. */
import { usePageTitle } from '../page-title';
import { Link } from '../router';

/** Says the page does not exist and links home. */
export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <div className="stack">
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link to="/">Go to the home page</Link>.
      </p>
    </div>
  );
}
