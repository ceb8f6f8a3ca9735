"""A function's files, as Lambda gets them.

- `walk`: which files are packaged (exclude rules, links, modes);
- `manifest`: what they hold (content hashes, cached by stat) and how two states differ;
- `zipwriter`: the deterministic zip, written so compressed bytes can be reused;
- `builder`: the zip of a folder, rebuilt incrementally on every save;
- `extract`: a function's zip into a new folder, safely and all or nothing.
"""
