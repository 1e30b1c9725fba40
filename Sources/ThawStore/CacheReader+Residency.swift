import CLMDB
import Foundation

extension CacheReader {
    /// Drops this process's mapping of the LMDB pages read so far (they stay in the kernel's page
    /// cache, shared and reclaimable). Pages of a file mapping count in the process's resident set
    /// until then, so a reader streaming a cache larger than its memory budget calls this after
    /// each block. Safe at any time: LMDB maps the file read-only and re-faults pages on the next read.
    public func releaseResidentPages() {
        var info = MDB_envinfo()
        guard mdb_env_info(environment.env, &info) == 0, let base = info.me_mapaddr else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = (info.me_mapsize + page - 1) / page * page
        _ = madvise(base, length, MADV_DONTNEED)
    }
}
