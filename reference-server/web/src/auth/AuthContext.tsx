// Who is signed in, for the whole app: resumes the session from the refresh
// cookie on load and reacts when the session expires on its own.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import * as authApi from '../api/auth';
import { completeOidc } from '../api/oidc';
import { signInWithPasskey } from '../api/passkeys';
import { assumeSession, onExpired, serverUnreachable } from '../api/session';
import { me } from '../api/users';
import { claimOfflineData, forgetOfflineData, offlineUser } from '../lib/offline';
import type { OidcCompletion, User } from '../api/types';

type Status = 'loading' | 'anonymous' | 'signed-in';

interface AuthValue {
  status: Status;
  user: User | null;
  /** Why the last session ended, for the login page ("expired"). */
  notice: string | null;
  signIn(email: string, password: string, second?: authApi.LoginFactor): Promise<User>;
  /** Finish a provider sign-in that asked for the password or a code (`/login?oidc=…`). */
  completeProviderSignIn(body: OidcCompletion): Promise<User>;
  /** Sign in with a passkey the browser offers (its own dialog); complete by itself, no code step. */
  signInWithPasskey(): Promise<User>;
  signOut(): Promise<void>;
  setUser(u: User): void;
  clearNotice(): void;
  /** Local end of session (after "log out everywhere"). */
  forget(notice?: string): void;
}

const Ctx = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [user, setUserState] = useState<User | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        if (await authApi.resume()) {
          const u = await me();
          await claimOfflineData(u);
          if (!live) return;
          setUserState(u);
          setStatus('signed-in');
          return;
        }
        if (serverUnreachable()) {
          // Loaded without a server (offline) by someone signed in here: the app shows what the
          // service worker kept of their photos, and the session is confirmed once it answers.
          const u = await offlineUser();
          if (u && live) {
            assumeSession();
            setUserState(u);
            setStatus('signed-in');
            return;
          }
        }
      } catch {
        // fall through: not signed in
      }
      if (live) setStatus('anonymous');
    })();
    return () => {
      live = false;
    };
  }, []);

  useEffect(
    () =>
      onExpired(() => {
        setUserState(null);
        setStatus('anonymous');
        setNotice('Your session has expired. Please sign in again.');
      }),
    [],
  );

  // After a login of any kind has set the tokens: who it is.
  const adopt = useCallback(async () => {
    const u = await me();
    await claimOfflineData(u);
    setUserState(u);
    setNotice(null);
    setStatus('signed-in');
    return u;
  }, []);

  const signIn = useCallback(
    async (email: string, password: string, second?: authApi.LoginFactor) => {
      await authApi.login(email, password, second);
      return adopt();
    },
    [adopt],
  );

  const completeProviderSignIn = useCallback(
    async (body: OidcCompletion) => {
      await completeOidc(body);
      return adopt();
    },
    [adopt],
  );

  const passkeySignIn = useCallback(async () => {
    await signInWithPasskey();
    return adopt();
  }, [adopt]);

  const signOut = useCallback(async () => {
    await authApi.logout();
    setUserState(null);
    setNotice('You have been signed out.');
    setStatus('anonymous');
  }, []);

  const forget = useCallback((n?: string) => {
    void forgetOfflineData();
    setUserState(null);
    setNotice(n ?? null);
    setStatus('anonymous');
  }, []);

  const value = useMemo<AuthValue>(
    () => ({
      status,
      user,
      notice,
      signIn,
      completeProviderSignIn,
      signInWithPasskey: passkeySignIn,
      signOut,
      setUser: setUserState,
      clearNotice: () => setNotice(null),
      forget,
    }),
    [status, user, notice, signIn, completeProviderSignIn, passkeySignIn, signOut, forget],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

export const isAdmin = (u: User | null) => !!u?.roles.includes('admin');
