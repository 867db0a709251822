#!/usr/bin/env python3
"""The engine's layering, checked from its #include lines.

Modules: each src/util and src/engine file stem (foo.c + foo.h) is a module,
a subfolder of src/engine (lint/, pq/, ...) is one module, src/os is one
module and src/cli is one. Layers, lowest first: util, os, engine, cli.
Fails when
- a module includes a header of a higher layer (os must not know the engine),
- modules include each other in a circle (A's files include B.h and B's A.h,
  directly or through others),
- a header includes more than MAX_FANOUT project headers (an umbrella header
  hides who depends on whom), or an internal.h exists,
- a .c file declares a function at file scope without `static` (a function of
  another module must come from that module's header).
Prints the module and edge counts on success.
"""
import os, re, sys

MAX_FANOUT = 8
LAYER = {'util': 0, 'os': 1, 'engine': 2, 'cli': 3}

def module_of(rel):
    parts = rel.split('/')  # src/<area>/...
    area = parts[1]
    if area in ('os', 'cli'):
        return area
    if len(parts) > 3:
        return area + '/' + parts[2]
    return area + '/' + os.path.splitext(parts[2])[0]

def main(root):
    src = os.path.join(root, 'src')
    files = []
    for d, _, names in os.walk(src):
        for n in names:
            if n.endswith(('.c', '.h')):
                files.append(os.path.relpath(os.path.join(d, n), root))
    files.sort()
    problems = []
    edges = {}
    inc_rx = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    for f in files:
        text = open(os.path.join(root, f), encoding='utf-8', errors='replace').read()
        m_from = module_of(f)
        edges.setdefault(m_from, set())
        nproj = 0
        for inc in inc_rx.findall(text):
            cands = [os.path.join(os.path.dirname(f), inc), os.path.join('src', inc),
                     os.path.join('src', 'engine', inc), os.path.join('include', inc)]
            target = next((os.path.normpath(c) for c in cands if os.path.exists(os.path.join(root, c))), None)
            if target is None:
                problems.append(f'{f}: includes "{inc}", which is not in the tree')
                continue
            if target.startswith('include' + os.sep):
                if LAYER[m_from.split('/')[0]] < LAYER['engine']:
                    problems.append(f'{f}: the {m_from.split("/")[0]} layer includes the public API header {inc}')
                continue
            if not target.startswith('src' + os.sep):
                continue
            if target.endswith('.h'):
                nproj += 1
            m_to = module_of(target)
            if m_to == m_from:
                continue
            lf, lt = LAYER[m_from.split('/')[0]], LAYER[m_to.split('/')[0]]
            if lt > lf:
                problems.append(f'{f} ({m_from}) includes {target} of {m_to}, a higher layer')
            edges[m_from].add(m_to)
        if f.endswith('.h') and nproj > MAX_FANOUT:
            problems.append(f'{f}: includes {nproj} project headers (an umbrella header; include what each file uses)')
        if os.path.basename(f) == 'internal.h':
            problems.append(f'{f}: an internal.h umbrella exists; declarations belong in their module\'s header')
        if f.endswith('.c'):
            problems += [f'{f}:{ln}: {what}' for ln, what in file_scope_prototypes(text)]
    # circles: strongly connected components of more than one module
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        cyc = [f'{a} -> {b}' for a in comp for b in sorted(edges[a]) if b in comp]
        problems.append('modules include each other in a circle: ' + ', '.join(comp) + ' (' + '; '.join(cyc) + ')')
    nedges = sum(len(v) for v in edges.values())
    if problems:
        print('\n'.join(problems))
        print(f'{len(problems)} problem(s)')
        return 1
    print(f'ok: {len(edges)} modules, {nedges} include edges between them, no circle, no umbrella header, '
          f'no function declared in a .c file')
    return 0

def file_scope_prototypes(text):
    """non-static function declarations (not definitions) at file scope of a .c file"""
    out = []
    # drop comments and strings, keep line numbers
    def blank(m):
        s = m.group(0)
        if s.startswith('/'):
            return re.sub(r'[^\n]', ' ', s)
        return s[0] + ' ' * (len(s) - 2) + s[-1]
    t = re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', blank, text, flags=re.S)
    depth, i, start, n = 0, 0, 0, len(t)
    stmt_start = 0
    while i < n:
        c = t[i]
        if c == '#' and (i == 0 or t[i - 1] == '\n'):
            j = i
            while True:
                e = t.find('\n', j)
                if e < 0:
                    e = n; break
                if t[e - 1] != '\\':
                    break
                j = e + 1
            i = e + 1; stmt_start = i; continue
        if c == '{':
            if depth == 0:
                stmt_start = None
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                stmt_start = i + 1
        elif c == ';' and depth == 0:
            if stmt_start is not None:
                s = t[stmt_start:i].strip()
                if re.search(r'\b[A-Za-z_]\w*\s*\([^()]*(\([^()]*\)[^()]*)*\)\s*(__attribute__\s*\(\(.*\)\))?\s*$', s, re.S) \
                        and not re.match(r'(static|typedef)\b', s) and '=' not in s.split('(')[0]:
                    ln = t.count('\n', 0, stmt_start + (len(t[stmt_start:i]) - len(t[stmt_start:i].lstrip()))) + 1
                    name = re.search(r'([A-Za-z_]\w*)\s*\(', s).group(1)
                    out.append((ln, f'declares {name}() at file scope: include the header of the module that defines it, or make it static'))
            stmt_start = i + 1
        i += 1
    return out

if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')))
