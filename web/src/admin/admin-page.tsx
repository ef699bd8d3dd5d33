/** The administration: its pages by path under /admin (users first). */
import './admin.css';
import { NotFoundPage } from '../pages/not-found-page';
import { DevicesPage } from './devices-page';
import { KeysPage } from './keys-page';
import { PlantTimePage } from './plant-time-page';
import { UsersPage } from './users-page';
import { ZonesPage } from './zones-page';

/** True for the paths the administration answers: /admin and below. */
export function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}

/** The admin page for `path` (without a trailing slash); /admin itself shows the users. */
export function AdminPage(props: { readonly path: string }) {
  switch (props.path) {
    case '/admin':
    case '/admin/users':
      return <UsersPage />;
    case '/admin/devices':
      return <DevicesPage />;
    case '/admin/zones':
      return <ZonesPage />;
    case '/admin/keys':
      return <KeysPage />;
    case '/admin/plant-time':
      return <PlantTimePage />;
    default:
      return <NotFoundPage />;
  }
}
