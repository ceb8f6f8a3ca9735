"""A function's dependencies in its `vendor/` folder, installed for Lambda's platform.

- `workflow`: the sequences the front ends run: install (or remove), measure, bootstrap, deploy;
- `pip_install`: pip for the function's platform, streamed, cancellable, source builds checked;
- `vendor`: changing `vendor/` as one transaction, under a lock between processes;
- `dists`: the distributions a folder holds (`.dist-info`: names, versions, files);
- `size`: the package's size against Lambda's limits;
- `bootstrap`: the handler's lines that put `vendor/` on `sys.path`, planned then applied.
"""
