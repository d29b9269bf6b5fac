import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { AuthProvider, isAdmin, useAuth } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { ToastProvider } from './components/Toast';
import { Spinner } from './components/ui';
import { AdminPage } from './pages/AdminPage';
import { DashboardPage } from './pages/DashboardPage';
import { FoldersPage } from './pages/FoldersPage';
import { GalleryPage } from './pages/GalleryPage';
import { ImagePage } from './pages/ImagePage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ProfilePage } from './pages/ProfilePage';
import { RegisterPage } from './pages/RegisterPage';
import { ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './pages/RecoveryPages';
import { SharePage } from './pages/SharePage';
import { UploadPage } from './pages/UploadPage';
import type { ReactNode } from 'react';

function FullPageSpinner() {
  return (
    <div className="center-page">
      <Spinner label="Loading fotobase" />
    </div>
  );
}

/** Signed-in pages: wait for the session check, else go to the login page. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <FullPageSpinner />;
  if (status === 'anonymous') {
    const next = location.pathname + location.search;
    return <Navigate to={`/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />;
  }
  return <>{children}</>;
}

function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  return isAdmin(user) ? <>{children}</> : <NotFoundPage />;
}

/** Login and register: signed-in people go on to the app. */
function GuestOnly({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  if (status === 'loading') return <FullPageSpinner />;
  return <>{children}</>;
}

export function App() {
  return (
    <ToastProvider>
      <AuthProvider>
        <Routes>
          <Route path="/login" element={<GuestOnly><LoginPage /></GuestOnly>} />
          <Route path="/register" element={<GuestOnly><RegisterPage /></GuestOnly>} />
          <Route path="/forgot-password" element={<GuestOnly><ForgotPasswordPage /></GuestOnly>} />
          <Route path="/reset-password" element={<ResetPasswordPage />} />
          <Route path="/verify-email" element={<VerifyEmailPage />} />
          <Route path="/confirm-email" element={<ConfirmEmailPage />} />
          <Route path="/s/:token" element={<SharePage />} />
          <Route
            element={
              <RequireAuth>
                <Layout />
              </RequireAuth>
            }
          >
            <Route index element={<DashboardPage />} />
            <Route path="gallery" element={<GalleryPage />} />
            <Route path="upload" element={<UploadPage />} />
            <Route path="images/:id" element={<ImagePage />} />
            <Route path="folders" element={<FoldersPage />} />
            <Route path="profile" element={<ProfilePage />} />
            <Route path="admin" element={<RequireAdmin><AdminPage /></RequireAdmin>} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </AuthProvider>
    </ToastProvider>
  );
}
