//! Heavy calls run on the libuv thread pool so the event loop keeps turning: a
//! [`Job`] is the closure doing the work, wrapped as a napi `AsyncTask` (the
//! JS side gets a Promise).

use fotobase_bindings::Result;
use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::errors;

type Work<T> = Box<dyn FnOnce() -> Result<T> + Send>;

/// One call's work; the error stays a fotobase error until it is back on the
/// JS thread, where [`errors::to_js`] can build the JS object.
pub struct Job<T> {
    work: Option<Work<T>>,
}

/// A Promise for `work`, run on the pool. Inputs must be owned (copied out of
/// JS buffers first): JS may change a buffer while the pool thread reads it.
pub fn spawn<T>(work: impl FnOnce() -> Result<T> + Send + 'static) -> AsyncTask<Job<T>>
where
    Job<T>: Task,
{
    AsyncTask::new(Job { work: Some(Box::new(work)) })
}

impl<T: ToNapiValue + TypeName + Send + 'static> Task for Job<T> {
    type Output = Result<T>;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.work.take().ok_or_else(|| napi::Error::from_reason("a job runs once"))?;
        Ok(errors::guard(work))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T> {
        output.map_err(|e| errors::to_js(&env, &e))
    }
}
