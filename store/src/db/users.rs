//! Accounts, profiles and roles. E-mail addresses arrive already encrypted with
//! their blind index (see `auth::field`): this module never sees them in clear.

use std::sync::Arc;

use serde::Serialize;
use sqlx::Row as _;

use super::model::{Cols, Row, Val};
use super::page::{self, Page};
use super::{Db, db_err, is_unique_violation, retrying};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::clock::{Clock, SystemClock};

/// The role the first account receives, and that guards administrative calls.
pub const ADMIN: &str = "admin";
/// The role every account receives.
pub const USER: &str = "user";

const MAX_DISPLAY_NAME: usize = 200;
const MAX_PREFERENCES: usize = 16 * 1024;

/// What registration stores.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// `auth::field::FieldCipher` ciphertext of the address.
    pub email_cipher: String,
    /// `auth::field::BlindIndex` of the normalised address: the unique lookup key.
    pub email_index: String,
    /// PHC string from `auth::password`.
    pub password_hash: String,
    pub display_name: String,
}

/// An account with its profile and roles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    #[serde(skip)]
    pub email_cipher: String,
    #[serde(skip)]
    pub email_index: String,
    #[serde(skip)]
    pub password_hash: String,
    pub display_name: String,
    pub avatar_image_id: Option<i64>,
    pub preferences: serde_json::Value,
    pub roles: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub disabled_at: Option<i64>,
    /// When the address was confirmed through a link sent to it.
    pub email_verified_at: Option<i64>,
    /// The epoch of the transform URLs minted now for the account's private images; those of an
    /// earlier epoch are revoked ([`Users::revoke_urls`]).
    #[serde(skip)]
    pub url_epoch: i64,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == ADMIN)
    }
}

/// A partial profile update: `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    /// `Some(None)` clears the avatar.
    pub avatar_image_id: Option<Option<i64>>,
    /// Replaces the whole preferences object.
    pub preferences: Option<serde_json::Value>,
}

/// Typed access to `users`, `profiles`, `roles` and `user_roles`.
#[derive(Debug, Clone)]
pub struct Users {
    db: Db,
    clock: Arc<dyn Clock>,
}

const SELECT: &str = "SELECT u.id, u.email_cipher, u.email_index, u.password_hash, u.created_at, u.updated_at, \
     u.disabled_at, u.email_verified_at, u.url_epoch, p.display_name, p.avatar_image_id, p.preferences FROM users u JOIN profiles p ON p.user_id = u.id";

impl Users {
    pub fn new(db: Db) -> Self {
        Users { db, clock: Arc::new(SystemClock) }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Register an account. Everyone gets the `user` role; the first account ever
    /// also gets `admin` (decided under a lock, so two first sign-ups cannot both win).
    /// A taken address is `already_exists`.
    pub async fn create(&self, new: &NewUser) -> Result<User> {
        let id = retrying(|| self.try_create(new, false)).await?;
        self.get(id).await
    }

    /// [`Users::create`] only as the system's first account (its admin), for servers whose
    /// sign-up is otherwise closed: `conflict` if an admin exists, also when another first sign-up
    /// won a race; nothing is stored then.
    pub async fn create_first(&self, new: &NewUser) -> Result<User> {
        let id = retrying(|| self.try_create(new, true)).await?;
        self.get(id).await
    }

    async fn try_create(&self, new: &NewUser, first_only: bool) -> Result<i64> {
        let name = display_name(&new.display_name)?;
        let now = self.clock.now();
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        // Sign-ups take turns on the admin role's row before writing anything: it decides who
        // is first, and it keeps MariaDB's gap locks from the quota rows below from deadlocking
        // racing sign-ups against each other. SQLite already has one writer.
        if !self.db.for_update().is_empty() {
            self.lock_admin_role(&mut tx).await?;
        }
        let q = self.db.insert_sql(
            "INSERT INTO users (email_cipher, email_index, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        );
        let query =
            sqlx::query(&q).bind(&new.email_cipher).bind(&new.email_index).bind(&new.password_hash).bind(now).bind(now);
        let id = match self.db.inserted_id(&mut *tx, query).await {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::new(ErrorKind::AlreadyExists, "an account with this e-mail address exists"));
            }
            Err(e) => return Err(e),
        };
        let q =
            self.db.sql("INSERT INTO profiles (user_id, display_name, preferences, updated_at) VALUES (?, ?, '{}', ?)");
        sqlx::query(&q)
            .bind(id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_err("cannot store profile", e))?;
        // A row left by an earlier account with this id (MariaDB may hand out an id again after
        // a restart) is not this account's.
        for q in ["DELETE FROM quotas WHERE user_id = ?", "INSERT INTO quotas (user_id) VALUES (?)"] {
            let q = self.db.sql(q);
            sqlx::query(&q).bind(id).execute(&mut *tx).await.map_err(|e| db_err("cannot store quota", e))?;
        }
        let q = self.db.sql(&format!("SELECT user_id FROM user_roles WHERE role = ? LIMIT 1{}", self.db.for_update()));
        let has_admin = sqlx::query(&q)
            .bind(ADMIN)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_err("cannot read roles", e))?
            .is_some();
        if first_only && has_admin {
            // Dropping the transaction rolls the account back.
            return Err(Error::new(ErrorKind::Conflict, "the first account exists already"));
        }
        let mut roles = vec![USER];
        if !has_admin {
            roles.insert(0, ADMIN);
        }
        for role in roles {
            self.insert_role(&mut *tx, id, role, now).await?;
        }
        tx.commit().await.map_err(|e| db_err("cannot commit account", e))?;
        Ok(id)
    }

    /// Take the admin role's row for the rest of `tx` (on SQLite, which has one writer, a plain read):
    /// whoever changes who is an admin goes one at a time.
    async fn lock_admin_role(&self, tx: &mut super::Tx) -> Result<()> {
        let lock = self.db.sql(&format!("SELECT name FROM roles WHERE name = ?{}", self.db.for_update()));
        sqlx::query(&lock).bind(ADMIN).fetch_optional(&mut **tx).await.map_err(|e| db_err("cannot lock roles", e))?;
        Ok(())
    }

    async fn insert_role<'e, E>(&self, exec: E, user: i64, role: &str, now: i64) -> Result<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let q = self.db.sql("INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, ?, ?)");
        sqlx::query(&q)
            .bind(user)
            .bind(role)
            .bind(now)
            .execute(exec)
            .await
            .map_err(|e| db_err("cannot grant role", e))?;
        Ok(())
    }

    /// The account, `not_found` if there is none.
    pub async fn get(&self, id: i64) -> Result<User> {
        self.find("u.id = ?", Val::I(id)).await?.ok_or_else(|| not_found(id))
    }

    /// The account registered under this blind index, if any.
    pub async fn by_email_index(&self, index: &str) -> Result<Option<User>> {
        self.find("u.email_index = ?", Val::S(index.to_owned())).await
    }

    async fn find(&self, cond: &str, arg: Val) -> Result<Option<User>> {
        let q = self.db.sql(&with_roles(&format!("{SELECT} WHERE {cond}"), "r.role"));
        let mut users = Vec::new();
        self.db.rows(&q, &[arg], "cannot read account", |row| push_user(&mut users, row)).await?;
        Ok(users.pop())
    }

    /// Role names held by an account, sorted.
    pub async fn roles_of(&self, id: i64) -> Result<Vec<String>> {
        let q = self.db.sql("SELECT role FROM user_roles WHERE user_id = ? ORDER BY role");
        let rows =
            sqlx::query(&q).bind(id).fetch_all(&self.db.pool).await.map_err(|e| db_err("cannot read roles", e))?;
        rows.iter().map(|r| r.try_get::<String, _>("role").map_err(|e| db_err("bad role row", e))).collect()
    }

    /// Every role that can be granted.
    pub async fn role_names(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT name FROM roles ORDER BY name")
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot read roles", e))?;
        rows.iter().map(|r| r.try_get::<String, _>("name").map_err(|e| db_err("bad role row", e))).collect()
    }

    /// Grant a role (idempotent). Unknown roles are `invalid_argument`.
    pub async fn grant_role(&self, id: i64, role: &str) -> Result<User> {
        let user = self.get(id).await?;
        if !self.role_names().await?.iter().any(|r| r == role) {
            return Err(Error::new(ErrorKind::InvalidArgument, "no such role").with_context("role", role));
        }
        if !user.roles.iter().any(|r| r == role) {
            match self.insert_role(&self.db.pool, id, role, self.clock.now()).await {
                Err(e) if !is_unique_violation(&e) => return Err(e),
                _ => {}
            }
        }
        self.get(id).await
    }

    /// Take a role away (idempotent). The last admin cannot be demoted: that would
    /// leave nobody able to manage accounts (`conflict`).
    pub async fn revoke_role(&self, id: i64, role: &str) -> Result<User> {
        self.get(id).await?;
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        if role == ADMIN {
            self.lock_admin_role(&mut tx).await?;
            let q = self.db.sql(&format!(
                "SELECT user_id FROM user_roles WHERE role = ? AND user_id <> ? LIMIT 1{}",
                self.db.for_update()
            ));
            let other = sqlx::query(&q)
                .bind(ADMIN)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_err("cannot read roles", e))?;
            if other.is_none() {
                return Err(Error::new(ErrorKind::Conflict, "the last administrator cannot lose the admin role"));
            }
        }
        let q = self.db.sql("DELETE FROM user_roles WHERE user_id = ? AND role = ?");
        sqlx::query(&q).bind(id).bind(role).execute(&mut *tx).await.map_err(|e| db_err("cannot revoke role", e))?;
        tx.commit().await.map_err(|e| db_err("cannot commit", e))?;
        self.get(id).await
    }

    /// Store a new password hash (change of password, or a rehash on login).
    pub async fn set_password_hash(&self, id: i64, hash: &str) -> Result<()> {
        let q = self.db.sql("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?");
        self.update_one(sqlx::query(&q).bind(hash).bind(self.clock.now()).bind(id), id).await
    }

    /// Note that the account's address was confirmed (kept from the first time).
    pub async fn set_email_verified(&self, id: i64) -> Result<User> {
        let now = self.clock.now();
        let q = self
            .db
            .sql("UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?), updated_at = ? WHERE id = ?");
        self.update_one(sqlx::query(&q).bind(now).bind(now).bind(id), id).await?;
        self.get(id).await
    }

    /// Move the account to a new address, confirmed by the link that carried it; every link
    /// still out for the account (a reset sent to the old address, say) stops working.
    /// `already_exists` if another account took the address meanwhile.
    pub async fn change_email(&self, id: i64, to: &super::NewAddress) -> Result<User> {
        let now = self.clock.now();
        let mut tx = self.db.pool.begin().await.map_err(|e| db_err("cannot begin", e))?;
        let q = self.db.sql(
            "UPDATE users SET email_cipher = ?, email_index = ?, email_verified_at = ?, updated_at = ? WHERE id = ?",
        );
        let query = sqlx::query(&q).bind(&to.email_cipher).bind(&to.email_index).bind(now).bind(now).bind(id);
        match query.execute(&mut *tx).await {
            Ok(done) if done.rows_affected() == 0 => return Err(not_found(id)),
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::new(ErrorKind::AlreadyExists, "an account with this e-mail address exists"));
            }
            Err(e) => return Err(db_err("cannot update account", e)),
        }
        let q = self.db.sql("UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL");
        sqlx::query(&q).bind(now).bind(id).execute(&mut *tx).await.map_err(|e| db_err("cannot retire links", e))?;
        tx.commit().await.map_err(|e| db_err("cannot commit", e))?;
        self.get(id).await
    }

    /// Revoke every transform URL the account minted for its private images so far (its URL
    /// epoch moves on); the new epoch.
    pub async fn revoke_urls(&self, id: i64) -> Result<i64> {
        let q = self.db.sql("UPDATE users SET url_epoch = url_epoch + 1, updated_at = ? WHERE id = ?");
        self.update_one(sqlx::query(&q).bind(self.clock.now()).bind(id), id).await?;
        self.url_epoch(id).await
    }

    /// The account's URL epoch alone (one indexed read: renditions check it on every request).
    pub async fn url_epoch(&self, id: i64) -> Result<i64> {
        let q = self.db.sql("SELECT url_epoch FROM users WHERE id = ?");
        let mut epoch = None;
        self.db
            .rows(&q, &[Val::I(id)], "cannot read account", |row| {
                epoch = Some(Cols::new(row, "bad account row").get("url_epoch")?);
                Ok(())
            })
            .await?;
        epoch.ok_or_else(|| not_found(id))
    }

    /// Disable or re-enable an account (disabled accounts cannot log in).
    pub async fn set_disabled(&self, id: i64, disabled: bool) -> Result<User> {
        let now = self.clock.now();
        let q = self.db.sql("UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?");
        self.update_one(sqlx::query(&q).bind(disabled.then_some(now)).bind(now).bind(id), id).await?;
        self.get(id).await
    }

    /// Change the profile; fields left `None` keep their value.
    pub async fn update_profile(&self, id: i64, update: &ProfileUpdate) -> Result<User> {
        let current = self.get(id).await?;
        let name = match &update.display_name {
            Some(n) => display_name(n)?,
            None => current.display_name,
        };
        let avatar = update.avatar_image_id.unwrap_or(current.avatar_image_id);
        let prefs = update.preferences.as_ref().unwrap_or(&current.preferences);
        if !prefs.is_object() {
            return Err(Error::new(ErrorKind::InvalidArgument, "preferences must be a JSON object"));
        }
        let prefs = serde_json::to_string(prefs).expect("JSON values serialise");
        if prefs.len() > MAX_PREFERENCES {
            return Err(Error::new(ErrorKind::LimitExceeded, "preferences are too large")
                .with_context("max_bytes", MAX_PREFERENCES));
        }
        let q = self.db.sql("UPDATE profiles SET display_name = ?, avatar_image_id = ?, preferences = ?, updated_at = ? WHERE user_id = ?");
        self.update_one(sqlx::query(&q).bind(name).bind(avatar).bind(prefs).bind(self.clock.now()).bind(id), id)
            .await?;
        self.get(id).await
    }

    /// Accounts by id, a page at a time (administration).
    pub async fn list(&self, cursor: Option<&str>, limit: u32) -> Result<Page<User>> {
        let limit = page::page_size(limit);
        let after = match cursor {
            Some(c) => page::decode(c, 1)?[0],
            None => 0,
        };
        let q = self.db.sql(&with_roles(&format!("{SELECT} WHERE u.id > ? ORDER BY u.id LIMIT ?"), "a.id, r.role"));
        let mut users = Vec::new();
        let vals = [Val::I(after), Val::I(i64::from(limit) + 1)];
        self.db.rows(&q, &vals, "cannot list accounts", |row| push_user(&mut users, row)).await?;
        Ok(page::finish(users, limit, |u| vec![u.id]))
    }

    /// How many accounts exist.
    pub async fn count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.db.pool)
            .await
            .map_err(|e| db_err("cannot count accounts", e))?;
        row.try_get::<i64, _>("n").map_err(|e| db_err("bad count", e))
    }

    /// Remove the account, its profile and roles. The caller removes what the
    /// account owns elsewhere first (images, folders, sessions, jobs).
    pub async fn delete(&self, id: i64) -> Result<()> {
        let q = self.db.sql("DELETE FROM quotas WHERE user_id = ?");
        sqlx::query(&q).bind(id).execute(&self.db.pool).await.map_err(|e| db_err("cannot delete quota", e))?;
        let q = self.db.sql("DELETE FROM users WHERE id = ?");
        self.update_one(sqlx::query(&q).bind(id), id).await
    }

    async fn update_one(&self, query: super::AnyQuery<'_>, id: i64) -> Result<()> {
        let done = query.execute(&self.db.pool).await.map_err(|e| db_err("cannot update account", e))?;
        if done.rows_affected() == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}

fn not_found(id: i64) -> Error {
    Error::new(ErrorKind::NotFound, "no such account").with_context("user", id)
}

fn display_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.chars().count() > MAX_DISPLAY_NAME || name.chars().any(char::is_control) {
        return Err(Error::new(ErrorKind::InvalidArgument, "display name must be at most 200 printable characters"));
    }
    Ok(name.to_owned())
}

/// `accounts` (a query of [`SELECT`]) with a row per role (`role`, NULL for none), ordered by
/// `order`: each query is a round trip (on SQLite to the connection's own thread), and an
/// account was two of them.
fn with_roles(accounts: &str, order: &str) -> String {
    format!(
        "SELECT a.*, r.role AS role FROM ({accounts}) a LEFT JOIN user_roles r ON r.user_id = a.id ORDER BY {order}"
    )
}

/// Add a [`with_roles`] row to `users`: a new account, or a role of the last one.
fn push_user(users: &mut Vec<User>, row: Row<'_>) -> Result<()> {
    let c = Cols::new(row, "bad account row");
    let id: i64 = c.get("id")?;
    if users.last().is_none_or(|u| u.id != id) {
        users.push(user_from(&c)?);
    }
    if let Some(role) = c.get::<Option<String>>("role")? {
        users.last_mut().expect("pushed above").roles.push(role);
    }
    Ok(())
}

fn user_from(c: &Cols<'_>) -> Result<User> {
    Ok(User {
        id: c.get("id")?,
        email_cipher: c.get("email_cipher")?,
        email_index: c.get("email_index")?,
        password_hash: c.get("password_hash")?,
        display_name: c.get("display_name")?,
        avatar_image_id: c.get("avatar_image_id")?,
        preferences: serde_json::from_str(&c.text("preferences")?).unwrap_or_else(|_| serde_json::json!({})),
        roles: Vec::new(),
        created_at: c.get("created_at")?,
        updated_at: c.get("updated_at")?,
        disabled_at: c.get("disabled_at")?,
        email_verified_at: c.get("email_verified_at")?,
        url_epoch: c.get("url_epoch")?,
    })
}
