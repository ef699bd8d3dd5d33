/** The administration's sub-navigation and the page frame it sits in. */
import type { ReactNode } from 'react';
import { Link, usePath } from '../router';

/** The admin pages, in the order the sub-navigation lists them. */
export const ADMIN_PAGES = [
  { path: '/admin/users', label: 'Users' },
  { path: '/admin/devices', label: 'Devices' },
  { path: '/admin/zones', label: 'Zones' },
  { path: '/admin/keys', label: 'Keys' },
  { path: '/admin/plant-time', label: 'Plant time' },
] as const;

/** An admin page: its h1, the sub-navigation, then its content. */
export function AdminFrame(props: { readonly title: string; readonly children: ReactNode }) {
  const path = usePath().replace(/\/+$/, '');
  return (
    <div className="stack">
      <h1>{props.title}</h1>
      <nav aria-label="Administration" className="admin-nav">
        <ul>
          {ADMIN_PAGES.map((page) => (
            <li key={page.path}>
              <Link to={page.path} className="admin-nav-link" current={page.path === path}>
                {page.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {props.children}
    </div>
  );
}
