"""The in-memory call's memory, step by step: wraps the bridge's steps and
prints /proc/self/status (VmHWM, VmRSS and its anon / file / shmem parts) after
each, then runs one caisparse.sparsify_weights (magnitude 0.5).

    PYTHONPATH=python CAIS_LIBRARY=build/host/libcaisparse.so \
      $VENV/bin/python bench/probe_rss_steps.py PROGRAM.aimodel
"""

import sys, time
import caisparse
from caisparse import bridge, _program, engine
from coreai.authoring import AIModelAsset
def st():
    d={}
    for l in open('/proc/self/status'):
        k,v=l.split(':',1)
        if k in('VmRSS','VmHWM','RssShmem','RssFile','RssAnon'): d[k]=int(v.split()[0])//1024
    return d
def wrap(obj,name):
    f=getattr(obj,name)
    def g(*a,**k):
        r=f(*a,**k); print(f"after {name:22s}", st(), flush=True); return r
    setattr(obj,name,g)
wrap(bridge,'module_to_memfile'); wrap(_program.CProgram,'from_memfile'); wrap(engine.Engine,'sparsify_program'); wrap(_program.CProgram,'write_fd'); wrap(bridge,'program_to_module')
prog = AIModelAsset.load(sys.argv[1]).program
print("loaded", st())
out = caisparse.sparsify_weights(prog, target_sparsity=0.5)
print("done", st())
