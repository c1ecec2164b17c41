import type { AuthProvider } from 'react-admin';
import { canAccess, type Role } from '../../../lib/permissions';
import { api } from './http';

// Sign-in with email and password; the session lives in an httpOnly cookie the console never
// sees. Who is signed in comes from GET /admin/session. canAccess is the same function the API
// enforces, so the console shows a role exactly what it may use.

export interface Me {
  id: string;
  email: string;
  role: Role;
  merchant: { id: string; name: string; currency: string };
}

let me: Promise<Me | undefined> | undefined;
const loadMe = () =>
  (me ??= api<Me>('/admin/session')
    .then((r) => r.json)
    .catch(() => undefined));

export const authProvider: AuthProvider = {
  async login({ email, password }: { email: string; password: string }) {
    const res = await api<Me>('/admin/session', { method: 'POST', json: { email, password } });
    me = Promise.resolve(res.json);
  },
  async logout() {
    me = undefined;
    await api('/admin/session', { method: 'DELETE' }).catch(() => undefined);
  },
  async checkAuth() {
    if (!(await loadMe())) {
      me = undefined;
      throw new Error('signed out');
    }
  },
  async checkError(error: { status?: number }) {
    if (error?.status === 401) {
      me = undefined;
      throw new Error('signed out');
    }
  },
  async getIdentity() {
    const user = await loadMe();
    if (!user) throw new Error('signed out');
    return { id: user.id, fullName: user.email, role: user.role, merchant: user.merchant };
  },
  async getPermissions() {
    return (await loadMe())?.role;
  },
  async canAccess({ resource, action }) {
    return canAccess((await loadMe())?.role, { resource, action });
  },
};

export const currentUser = loadMe;
