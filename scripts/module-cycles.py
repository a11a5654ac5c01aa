#!/usr/bin/env python3
"""Module dependency cycles of one Rust crate, found from its source text: issue 17 asked that
the modules form no cycle, and rustc does not tell (a cycle compiles fine; it only ties modules
together so that none can be understood, tested or moved alone).

Usage: scripts/module-cycles.py crates/client/src [--tree] [-v]

Each source file is a module. Edges come from `crate::`, `super::` and `self::` paths and from
paths through the module's own submodules (`console::Status`), each resolved to the deepest
module file it names; a name a module re-exports (`pub use x::Y`) resolves to where it comes
from. Code after `#[cfg(test)]` is left out. With --tree, a submodule's use of its own
ancestors (`super::Session`) is left out: that is the module tree, not a dependency between
modules. Prints each cycle (strongly connected component) with its edges; exits 1 if any.
It reads text, not the compiler's resolution: a glob import (`use x::*`) or a macro-built path
is not seen.
"""
import os, re, sys

root = sys.argv[1]  # the crate's src dir
mods = {}  # module path tuple -> file
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'):
            continue
        full = os.path.join(dp, f)
        rel = os.path.relpath(full, root)[:-3].split(os.sep)
        if rel[-1] in ('mod',):
            rel = rel[:-1]
        if rel == ['lib'] or rel == ['main']:
            rel = []
        mods[tuple(rel)] = full

def strip_comments(src):
    src = re.sub(r'//[^\n]*', '', src)
    return src

# re-exports: module -> {name: target module}
reexports = {}
for m, f in mods.items():
    src = strip_comments(open(f).read())
    for mm in re.finditer(r'pub(?:\([a-z]+\))?\s+use\s+([^;]+);', src):
        body = mm.group(1).replace('\n', ' ')
        g = re.match(r'([\w:]+)::\{([^}]*)\}', body.strip())
        items = []
        if g:
            base = g.group(1)
            for it in g.group(2).split(','):
                it = it.strip()
                if it:
                    items.append((base, it.split(' as ')[0].strip()))
        else:
            p = body.strip().split(' as ')[0]
            if '::' in p:
                base, it = p.rsplit('::', 1)
                items.append((base, it))
        for base, it in items:
            reexports.setdefault(m, {})[it] = base

def resolve(cur, segs):
    """segs: a path from the crate root; the deepest module it names (or where the item it
    names is re-exported from). `cur` is unused: paths are made absolute before."""
    # choose deepest existing module
    best = None
    for i in range(len(segs), -1, -1):
        cand = tuple(segs[:i])
        if cand in mods:
            best = cand
            rest = segs[i:]
            break
    if best is None:
        return None
    # an item re-exported by that module
    if rest and best in reexports and rest[0] in reexports[best]:
        base = reexports[best][rest[0]]
        bsegs = base.split('::')
        if bsegs[0] == 'self':
            tgt = resolve_rel(best, bsegs[1:])
        elif bsegs[0] == 'crate':
            tgt = resolve(best, bsegs[1:])
        elif bsegs[0] == 'super':
            tgt = resolve_rel(best[:-1], bsegs[1:])
        else:
            tgt = resolve_rel(best, bsegs)
        if tgt is not None:
            return tgt
    return best

def resolve_rel(base, segs):
    return resolve(None, list(base) + segs)

path_re = re.compile(r'\b(crate|super|self)((?:::(?:super|\w+))+)(::\{([^{}]|\{[^{}]*\})*\})?')
edges = {}
for m, f in mods.items():
    src = strip_comments(open(f).read())
    # drop #[cfg(test)] mod tests { ... } blocks roughly: from "#[cfg(test)]" to end of file
    cut = src.find('#[cfg(test)]')
    if cut >= 0:
        src = src[:cut]
    is_dir_mod = f.endswith('mod.rs') or f.endswith('lib.rs') or f.endswith('main.rs')
    here = list(m) if is_dir_mod else list(m[:-1])  # the module `super` is relative to = parent of m
    # paths relative to this module's own children (`use console::Status`, `terminal::load()`)
    own = list(m)
    for child in set(re.findall(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*;', src, re.M)):
        for mm in re.finditer(r'(?<![\w:])' + child + r'((?:::\w+)*)(::\{([^{}]|\{[^{}]*\})*\})?', src):
            segs = [child] + [x for x in mm.group(1).split('::') if x]
            targets = [own + segs]
            if mm.group(2):
                for it in re.split(r',(?![^{]*\})', mm.group(2)[3:-1]):
                    it = it.strip()
                    if it and not it.startswith('self'):
                        targets.append(own + segs + [re.split(r'::|\s', it)[0].strip('{}')])
            for t in targets:
                r = resolve(m, t)
                if r is not None and r != m:
                    edges.setdefault(m, set()).add(r)
    for mm in path_re.finditer(src):
        kind, rest, group = mm.group(1), mm.group(2), mm.group(3)
        segs = [s for s in rest.split('::') if s]
        if kind == 'crate':
            base = []
        elif kind == 'self':
            base = list(m)
        else:
            base = list(m[:-1])
            while segs and segs[0] == 'super':
                base = base[:-1]; segs = segs[1:]
        targets = []
        if group:
            inner = group[3:-1]
            for it in re.split(r',(?![^{]*\})', inner):
                it = it.strip()
                if not it:
                    continue
                first = re.split(r'::|\s', it)[0].strip('{}')
                if first == 'self':
                    targets.append(base + segs)
                else:
                    targets.append(base + segs + [s for s in re.split(r'::', it.split(' as ')[0]) if s and '{' not in s and '}' not in s][:1])
        else:
            targets.append(base + segs)
        for t in targets:
            r = resolve(m, t)
            if r is None or r == m:
                continue
            # a module naming its own ancestor's items is an edge too; a parent declaring
            # children (mod x;) is not a `crate::` path, so it is not seen here
            edges.setdefault(m, set()).add(r)

# With --tree: a module's use of its own ancestors (`super::Session` in a submodule of
# `session`) is the module tree, not a dependency between modules: left out.
if '--tree' in sys.argv:
    for a in list(edges):
        edges[a] = {b for b in edges[a] if not (len(b) < len(a) and a[:len(b)] == b)}
# Tarjan
index = {}; low = {}; stack = []; on = set(); sccs = []; counter = [0]
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        sccs.append(comp)
for v in mods:
    if v not in index:
        strong(v)
name = lambda t: '::'.join(t) or 'crate'
bad = [c for c in sccs if len(c) > 1]
for c in bad:
    print('cycle:', ', '.join(sorted(name(x) for x in c)))
    for a in c:
        for b in sorted(edges.get(a, ())):
            if b in c:
                print('   ', name(a), '->', name(b))
if '-v' in sys.argv:
    for a in sorted(edges):
        print(name(a), '->', ', '.join(sorted(name(b) for b in edges[a])))
print(f'{len(mods)} modules, {sum(len(e) for e in edges.values())} edges, {len(bad)} cycles')
sys.exit(1 if bad else 0)
