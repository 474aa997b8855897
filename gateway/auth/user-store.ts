import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ConsoleRole } from '../contract/roles';

/** One person as the database holds them: added on the screen, or a configured account changed there. */
export interface StoredUser {
  username: string;
  displayName: string;
  consoleRole: ConsoleRole;
  premisesId: string | null;
  passwordHash: string;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

interface Row {
  username: string;
  display_name: string;
  console_role: string;
  premises_id: string | null;
  password_hash: string;
  must_change_password: number;
  disabled: number;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  console_role TEXT NOT NULL,
  premises_id TEXT,
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;
`;

/**
 * The people database (`<dataDir>/people.db`): the console accounts added or changed by the
 * security manager. Its own file, not the journal: a password hash must be replaceable and
 * must never reach the journal, its uplink or an export. The journal records each change
 * (who did what to whom), never a password or hash. A few rows, written by people: plain
 * synchronous better-sqlite3 on the main thread, with `synchronous=FULL` so a change that was
 * answered survives a power cut.
 */
export class UserStore {
  private db: Database.Database | null = null;

  constructor(readonly path: string) {}

  open(): void {
    if (this.db) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    this.db = db;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  all(): StoredUser[] {
    return (this.conn.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map(fromRow);
  }

  get(username: string): StoredUser | null {
    const row = this.conn.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Writes the whole row (insert or replace): the service decides what it becomes. */
  put(u: StoredUser): void {
    this.conn
      .prepare(
        `INSERT INTO users (username, display_name, console_role, premises_id, password_hash, must_change_password, disabled, created_at, updated_at, updated_by)
         VALUES (@username, @displayName, @consoleRole, @premisesId, @passwordHash, @mustChangePassword, @disabled, @createdAt, @updatedAt, @updatedBy)
         ON CONFLICT(username) DO UPDATE SET display_name = excluded.display_name, console_role = excluded.console_role,
           premises_id = excluded.premises_id, password_hash = excluded.password_hash,
           must_change_password = excluded.must_change_password, disabled = excluded.disabled,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run({ ...u, mustChangePassword: u.mustChangePassword ? 1 : 0, disabled: u.disabled ? 1 : 0 });
  }

  private get conn(): Database.Database {
    if (!this.db) throw new Error('the people database is not open');
    return this.db;
  }
}

function fromRow(r: Row): StoredUser {
  return {
    username: r.username,
    displayName: r.display_name,
    consoleRole: r.console_role as ConsoleRole,
    premisesId: r.premises_id,
    passwordHash: r.password_hash,
    mustChangePassword: r.must_change_password === 1,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}
