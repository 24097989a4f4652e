//! Password hashing and checking: Argon2, at most one per core at a time, each
//! in memory that is allocated once.
//!
//! werkzeug's `generate_password_hash` and `check_password_hash` run inside
//! the request, one at a time per worker process. Argon2 is slow on purpose,
//! so here it runs off the async workers, where it stalls no other request.
//! It is memory-hard on purpose too: 19 MiB of working memory a check. On
//! tokio's blocking pool, hundreds of checks would run at once (64 concurrent
//! sign-ins took 1.5 GB), and the allocator kept much of what they freed.
//!
//! So the app has a few threads of its own for it, one per core (more would
//! not finish sooner): the thread pool of the Rust Book's chapter 20, with a
//! queue in front. Each thread keeps its 19 MiB and hands it to Argon2 for
//! every job (`hash_password_into_with_memory`), so memory stays at a few
//! checks' worth however many sign in. The hashes are the standard PHC
//! strings (`$argon2id$v=19$m=19456,t=2,p=1$...`), as the `password-auth`
//! crate writes them.
//!
//! A sign-in with a name that doesn't exist is checked too, against a dummy
//! hash made at start-up, so that it takes as long as a wrong password for a
//! name that does: otherwise the time of the answer would tell which names
//! exist (werkzeug leaves this to the app, and the tutorial's app skips it).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{self, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rocket::tokio::sync::oneshot;

use crate::error::{AppError, ErrorKind};

/// Argon2's working memory, kept by one thread from job to job.
#[derive(Default)]
struct Memory(Vec<Block>);

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// Managed state of the app: `&State<PasswordHasher>` in a handler. Its
/// threads end when the app (and so this) is dropped.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// What a password is checked against when there is no user: see
    /// [`dummy_hash`].
    dummy: Result<String, password_hash::Error>,
}

impl PasswordHasher {
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                let mut memory = Memory::default();
                loop {
                    // The lock is held only while waiting for the next job.
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match next {
                        Ok(job) => job(&mut memory),
                        // Every sender is gone: the app was dropped.
                        Err(mpsc::RecvError) => return,
                    }
                }
            });
        }
        PasswordHasher {
            jobs,
            dummy: dummy_hash(),
        }
    }

    /// As many at once as the machine has cores.
    pub fn one_per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// `generate_password_hash(password)`.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        Ok(self
            .run(move |memory| memory.hash(password.as_bytes()))
            .await??)
    }

    /// `check_password_hash(hash, password)`.
    pub async fn check(&self, password: String, hash: String) -> Result<bool, AppError> {
        Ok(self
            .run(move |memory| memory.check(password.as_bytes(), &hash))
            .await??)
    }

    /// `check_password_hash(hash, password)` for a user who may not exist.
    /// With no `hash`, the password is checked against the dummy hash, and
    /// the answer is no, given as late as a real check would give it.
    pub async fn check_if_any(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, AppError> {
        match hash {
            Some(hash) => self.check(password, hash).await,
            None => {
                let dummy = self.dummy.clone()?;
                self.check(password, dummy).await?;
                Ok(false)
            }
        }
    }

    /// Queues `work` for the next free thread, and waits for its result.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = done.send(work(memory));
        });
        self.jobs
            .send(job)
            .map_err(|_| ErrorKind::PasswordHasherGone)?;
        Ok(result.await.map_err(|_| ErrorKind::PasswordHasherGone)?)
    }
}

impl Memory {
    /// The blocks `params` ask for, allocated at the first job.
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }

    /// Argon2id with the recommended parameters and a new random salt.
    fn hash(&mut self, password: &[u8]) -> password_hash::Result<String> {
        let argon2 = Argon2::default();
        let salt = SaltString::generate(&mut OsRng);
        let output = self.output(&argon2, password, &salt, Params::DEFAULT_OUTPUT_LEN)?;
        phc_string(&argon2, &salt, output)
    }

    /// Whether `password` gives `hash` again, with the hash's own parameters.
    fn check(&mut self, password: &[u8], hash: &str) -> password_hash::Result<bool> {
        let hash = PasswordHash::new(hash)?;
        let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
            return Err(password_hash::Error::PhcStringField);
        };
        let version = hash.version.map(Version::try_from).transpose()?;
        let argon2 = Argon2::new(
            Algorithm::try_from(hash.algorithm)?,
            version.unwrap_or_default(),
            Params::try_from(&hash)?,
        );
        let salt = SaltString::from_b64(salt.as_str())?;
        // `Output`'s comparison takes the same time however early they differ.
        Ok(self.output(&argon2, password, &salt, expected.len())? == expected)
    }

    fn output(
        &mut self,
        argon2: &Argon2<'_>,
        password: &[u8],
        salt: &SaltString,
        length: usize,
    ) -> password_hash::Result<Output> {
        let mut salt_bytes = [0; 64];
        let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
        let blocks = self.blocks(argon2.params());
        Output::init_with(length, |out| {
            Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut *blocks)?)
        })
    }
}

/// `output`, which `argon2` made from a password and `salt`, as a PHC string.
fn phc_string(
    argon2: &Argon2<'_>,
    salt: &SaltString,
    output: Output,
) -> password_hash::Result<String> {
    let hash = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// A hash that no password gives: a new random salt, and random bytes where
/// the output goes. It has the parameters, salt length and output length of a
/// real hash, so checking a password against it costs what a real check
/// costs, and it is made once, without running Argon2.
fn dummy_hash() -> password_hash::Result<String> {
    let mut random = [0; Params::DEFAULT_OUTPUT_LEN];
    OsRng.fill_bytes(&mut random);
    let salt = SaltString::generate(&mut OsRng);
    phc_string(&Argon2::default(), &salt, Output::new(&random)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rocket::async_test]
    async fn a_hash_checks_against_its_own_password_only() {
        let hasher = PasswordHasher::new(1);
        let hash = hasher.hash("cat".to_owned()).await.expect("a hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .check("cat".to_owned(), hash.clone())
            .await
            .expect("checked"));
        assert!(!hasher.check("dog".to_owned(), hash).await.expect("checked"));
    }

    /// A hash that another Argon2 implementation wrote, with other parameters
    /// (the `password-auth` crate's own test vector).
    #[rocket::async_test]
    async fn a_hash_with_other_parameters_is_checked_with_its_own() {
        let hash = "$argon2i$v=19$m=65536,t=1,p=1$c29tZXNhbHQAAAAAAAAAAA$+r0d29hqEB0yasKr55ZgICsQGSkl0v0kgwhd+U3wyRo";
        let hasher = PasswordHasher::new(1);
        assert!(hasher
            .check("password".to_owned(), hash.to_owned())
            .await
            .expect("checked"));
        assert!(!hasher
            .check("bogus".to_owned(), hash.to_owned())
            .await
            .expect("checked"));
    }

    #[rocket::async_test]
    async fn without_a_user_the_answer_is_no_after_a_check_against_a_real_looking_hash() {
        let hasher = PasswordHasher::new(1);
        let dummy = hasher.dummy.clone().expect("a dummy hash");
        let real = hasher.hash("cat".to_owned()).await.expect("a hash");
        let shape = |hash: &str| {
            let hash = PasswordHash::new(hash).expect("a PHC string");
            let salt = hash.salt.map(|salt| salt.len());
            let output = hash.hash.map(|output| output.len());
            (
                hash.algorithm.to_string(),
                hash.version,
                hash.params.to_string(),
                salt,
                output,
            )
        };
        assert_eq!(shape(&dummy), shape(&real));
        assert!(!hasher
            .check_if_any("cat".to_owned(), None)
            .await
            .expect("checked"));
    }

    #[rocket::async_test]
    async fn an_unreadable_hash_is_an_error_not_a_wrong_password() {
        let hasher = PasswordHasher::new(1);
        let checked = hasher
            .check("cat".to_owned(), "not a hash".to_owned())
            .await;
        assert!(checked.is_err());
    }

    #[rocket::async_test]
    async fn no_more_run_at_once_than_there_are_threads() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = PasswordHasher::new(2);
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (hasher, running, most) = (hasher.clone(), running.clone(), most.clone());
                rocket::tokio::spawn(async move {
                    hasher
                        .run(move |_| {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a task").expect("ran");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
