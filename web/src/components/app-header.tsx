/** The top bar: the product name, the navigation the user's roles allow, and who is signed in. */
import type { ReactNode } from 'react';
import { navItemsFor } from '../navigation';
import { Link, usePath } from '../router';
import type { OwnUser } from '../types';

/** The header of every signed-in screen; `actions` sit at its end (the setup screens put "Sign out" there). */
export function AppHeader(props: { readonly user: OwnUser; readonly navigation: boolean; readonly actions?: ReactNode }) {
  const path = usePath();
  return (
    <header className="app-header">
      <div className="app-header-bar">
        <Link to="/" className="brand">
          Forgeline
        </Link>
        <p className="signed-in-as">
          <span className="visually-hidden">Signed in as </span>
          {props.user.displayName} <span className="muted">({props.user.username})</span>
        </p>
        {props.actions}
      </div>
      {props.navigation && (
        <nav aria-label="Main" className="app-nav">
          <ul>
            {navItemsFor(props.user).map((item) => (
              <li key={item.path}>
                <Link to={item.path} className="nav-link" current={item.path === path || (item.path !== '/' && path.startsWith(`${item.path}/`))}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </header>
  );
}
