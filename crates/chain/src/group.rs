//! Many calls in one store transaction, committed once: a call's step runs inside the open
//! transaction, a refused call is rolled back to where it started, and the commit makes the whole
//! group durable at once (or, killed before it, none of it).

use std::path::Path;

use api_usage_billing::{Address, Value};

use crate::guard::guarded;
use crate::tables::Txn;
use crate::{Action, CallReport, Chain, ChainError, Hooks, When};

/// An open write transaction of the chain running calls one after another; nothing is on disk until
/// [`CallGroup::commit`]. Each call sees the ones before it, exactly as if each had committed on its
/// own; dropped without a commit, the group leaves no trace. One group (or single call) writes at a
/// time: others wait for it.
pub struct CallGroup<'c> {
    chain: &'c Chain,
    txn: Option<Txn>,
    /// A step failed where the transaction's state is not known (a failure inside the store
    /// library or the VM's run): the group can only be thrown away.
    broken: bool,
    /// A contract deployed in this group: engines loaded for it must go if the group does.
    deployed: bool,
}

impl Chain {
    /// Opens a group of calls: one write transaction, committed by [`CallGroup::commit`].
    pub fn begin_group(&self) -> Result<CallGroup<'_>, ChainError> {
        let txn = guarded(Path::new("state"), || {
            self.db()?.begin_write().map(Txn::writing).map_err(ChainError::store)
        })?;
        Ok(CallGroup { chain: self, txn: Some(txn), broken: false, deployed: false })
    }
}

impl CallGroup<'_> {
    /// [`Chain::call_to`] inside the group.
    pub fn call_to(
        &mut self,
        to: Address,
        sender: Address,
        value: u128,
        at: Option<u64>,
        method: &str,
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        self.unhooked(sender, value, at, Action::Call { to, method, args })
    }

    /// [`Chain::deploy`] inside the group.
    pub fn deploy(
        &mut self,
        sender: Address,
        value: u128,
        at: Option<u64>,
        code: &[u8],
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        self.unhooked(sender, value, at, Action::Deploy { code, args })
    }

    /// A transaction with no hooks, which nothing turns away: at `at`, or at the last call's time.
    fn unhooked(
        &mut self,
        sender: Address,
        value: u128,
        at: Option<u64>,
        action: Action<'_>,
    ) -> Result<CallReport, ChainError> {
        let when = at.map_or(When::Now, When::At);
        match self.execute(sender, value, when, action, &Hooks::none())? {
            Ok(report) => Ok(report),
            Err(never) => match never {},
        }
    }

    /// One transaction's step (see [`Chain::execute`]) in the group. On an error its own writes are
    /// rolled back and the calls before it stay to be committed; when that cannot be known to have
    /// worked, the group is broken and refuses everything after, its commit included.
    pub(crate) fn execute<R>(
        &mut self,
        sender: Address,
        value: u128,
        when: When,
        action: Action<'_>,
        hooks: &Hooks<'_, R>,
    ) -> Result<Result<CallReport, R>, ChainError> {
        if self.broken {
            return Err(ChainError::GroupBroken);
        }
        let start = self.txn.as_ref().map(Txn::mark);
        let (chain, slot) = (self.chain, &mut self.txn);
        let mut finished = false;
        let done = guarded(Path::new("state"), || {
            let done = chain.step(slot, sender, value, when, action, hooks);
            finished = true;
            done
        });
        match &done {
            Ok(Ok(report)) => self.deployed |= report.contract.is_some(),
            Ok(Err(_)) => {}
            Err(_) => {
                let undone = match (finished, self.txn.as_ref(), start) {
                    (true, Some(txn), Some(start)) => {
                        guarded(Path::new("state"), || txn.roll_back_to(start)).is_ok()
                    }
                    _ => false,
                };
                self.broken = !undone;
            }
        }
        // The call is over: its writes stay (or were undone), and no rollback returns into it.
        if let (false, Some(txn), Some(start)) = (self.broken, self.txn.as_ref(), start) {
            txn.release(start);
        }
        done
    }

    /// Makes every call of the group durable at once.
    pub fn commit(mut self) -> Result<(), ChainError> {
        if self.broken {
            return Err(ChainError::GroupBroken);
        }
        let txn = self.txn.take().ok_or(ChainError::GroupBroken)?;
        let committed = guarded(Path::new("state"), || txn.commit());
        if committed.is_ok() {
            self.deployed = false;
        }
        committed
    }

    /// Throws the group away: none of its calls happened.
    pub fn abort(mut self) -> Result<(), ChainError> {
        match self.txn.take() {
            Some(txn) => guarded(Path::new("state"), || txn.abort()),
            None => Ok(()),
        }
    }
}

impl Drop for CallGroup<'_> {
    /// A group that never committed takes its deploys with it: the engines loaded for them go too,
    /// or a later deploy at the same address would run the old code.
    fn drop(&mut self) {
        if self.deployed {
            self.chain.forget_deployed_engines();
        }
    }
}
