//! The descriptor limit, and how many of its descriptors connections may take: a server that
//! accepts until `accept` fails with EMFILE has locked every client out (issue 16, defect 7).

use std::io;

/// Descriptors kept for everything but connections: task logs and pipes, exec terminals, the
/// state files, the runtime's own.
fn reserved_descriptors(limit: u64) -> u64 {
    (limit / 4).max(256).min(limit / 2)
}

/// The most connections served at once under a descriptor limit of `limit`.
pub fn connection_cap(limit: u64) -> usize {
    usize::try_from(limit.saturating_sub(reserved_descriptors(limit))).unwrap_or(usize::MAX).max(8)
}

/// Raises the soft descriptor limit to the hard one; returns the limit now in force.
pub fn raise_descriptor_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        } else {
            tracing::warn!(error = %io::Error::last_os_error(), "raising the descriptor limit failed");
        }
    }
    Ok(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_for_everything_else() {
        assert_eq!(connection_cap(1024), 768);
        assert_eq!(connection_cap(256), 128);
        assert_eq!(connection_cap(20_000), 15_000);
        assert_eq!(connection_cap(10), 8);
    }
}
