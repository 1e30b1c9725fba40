"""The package's two error types. Messages name the file (and the record key or tensor), say what is
wrong, and end with a "Fix:" part, like the `thaw` command line's errors."""


class CacheError(ValueError):
    """A feature cache that cannot be read as docs/cache-format.md describes."""

    def __init__(self, path, problem, fix=None):
        self.path, self.problem, self.fix = str(path), problem, fix
        super().__init__(f"{path}: {problem}" + (f". Fix: {fix}" if fix else ""))


class BundleError(ValueError):
    """A model bundle that cannot be used as docs/bundle-format.md describes."""

    def __init__(self, path, problem, fix=None):
        self.path, self.problem, self.fix = str(path), problem, fix
        super().__init__(f"{path}: {problem}" + (f". Fix: {fix}" if fix else ""))
