//! Admission by cost: requests being executed may add up to
//! `max_complexity_in_flight` of complexity. An answer is built in memory
//! before it is sent, in proportion to its complexity, so a burst of large
//! queries waits its turn instead of taking the server's memory; a request
//! still waiting when its time limit ends gets `REQUEST_TIMEOUT`, having run
//! no statement.

use std::sync::Arc;

use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

/// The complexity budget shared by every request of a schema.
#[derive(Clone, Debug)]
pub struct Admission {
    budget: Arc<Semaphore>,
    total: u32,
}

impl Admission {
    pub fn new(max_complexity_in_flight: usize) -> Self {
        let total = u32::try_from(max_complexity_in_flight)
            .unwrap_or(u32::MAX)
            .clamp(1, Semaphore::MAX_PERMITS as u32);
        Self {
            budget: Arc::new(Semaphore::new(total as usize)),
            total,
        }
    }

    /// Waits until `complexity` fits in what the running requests leave. A
    /// request costing more than the whole budget waits for all of it, and
    /// then runs alone.
    pub async fn admit(&self, complexity: usize) -> Result<OwnedSemaphorePermit, AcquireError> {
        let units = u32::try_from(complexity)
            .unwrap_or(u32::MAX)
            .clamp(1, self.total);
        self.budget.clone().acquire_many_owned(units).await
    }

    /// The budget not taken by running requests.
    pub fn available(&self) -> usize {
        self.budget.available_permits()
    }
}
