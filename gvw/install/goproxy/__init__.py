"""Go toolchains from a module proxy: the ``golang.org/toolchain`` module, found with
Go's own settings (GOPROXY, GOSUMDB...) and verified against the checksum database."""
