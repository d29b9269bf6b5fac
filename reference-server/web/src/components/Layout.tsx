// The signed-in frame: sidebar navigation (a drawer on phones), top bar, content.

import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { isAdmin, useAuth } from '../auth/AuthContext';
import { Avatar } from './Avatar';
import { Icon } from './Icon';

const NAV = [
  { to: '/', label: 'Dashboard', icon: 'dashboard', end: true },
  { to: '/gallery', label: 'Photos', icon: 'photos', end: false },
  { to: '/upload', label: 'Upload', icon: 'upload', end: false },
  { to: '/folders', label: 'Folders', icon: 'folder', end: false },
];

export function Layout() {
  const { user, signOut } = useAuth();
  const [open, setOpen] = useState(false);
  const location = useLocation();
  const navigate = useNavigate();
  useEffect(() => setOpen(false), [location.pathname]);

  const logout = async () => {
    await signOut();
    navigate('/login', { replace: true });
  };

  return (
    <div className={`shell ${open ? 'shell--drawer-open' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand__mark" aria-hidden="true" />
          <span className="brand__name">fotobase</span>
        </div>
        <nav className="nav">
          {NAV.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.end} className="nav__link">
              <Icon name={n.icon} />
              <span>{n.label}</span>
            </NavLink>
          ))}
          {isAdmin(user) && (
            <NavLink to="/admin" className="nav__link">
              <Icon name="shield" />
              <span>Admin</span>
            </NavLink>
          )}
        </nav>
        <div className="sidebar__footer">
          <NavLink to="/profile" className="nav__link nav__link--profile">
            <Avatar user={user} size={28} />
            <span className="nav__user">
              <span className="nav__user-name">{user?.display_name}</span>
              <span className="nav__user-email">{user?.email}</span>
            </span>
          </NavLink>
          <button type="button" className="nav__link nav__logout" onClick={logout}>
            <Icon name="logout" />
            <span>Log out</span>
          </button>
        </div>
      </aside>
      <div className="scrim" onClick={() => setOpen(false)} aria-hidden="true" />
      <div className="main-col">
        <header className="topbar">
          <button
            type="button"
            className="icon-button topbar__menu"
            aria-label="Open navigation"
            aria-expanded={open}
            onClick={() => setOpen((o) => !o)}
          >
            <Icon name="menu" size={22} />
          </button>
          <span className="brand brand--small">
            <span className="brand__mark" aria-hidden="true" />
            <span className="brand__name">fotobase</span>
          </span>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
