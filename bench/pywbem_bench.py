"""pywbem side of the CIM client benchmark: the same calls against the same simulated host.

Usage: pywbem_bench.py URL USER PASSWORD_ENV JOB_INSTANCE_ID GETS PAIRS
Prints one JSON line: {"gets_per_second": ..., "pairs_per_second": ...}
"""
import json
import os
import sys
import time

import pywbem


def main():
    url, user, password_env, job_id, gets, pairs = sys.argv[1:7]
    conn = pywbem.WBEMConnection(url, (user, os.environ[password_env]), default_namespace='root/cimv2',
                                 no_verification=True)
    job = pywbem.CIMInstanceName('VMware_ConcreteJob', keybindings={'InstanceID': job_id}, namespace='root/cimv2')
    system = pywbem.CIMInstanceName('OMC_UnitaryComputerSystem', namespace='root/cimv2',
                                    keybindings={'CreationClassName': 'OMC_UnitaryComputerSystem', 'Name': 'esx-001'})
    service = pywbem.CIMInstanceName('VMware_SoftwareInstallationService', namespace='root/cimv2', keybindings={
        'CreationClassName': 'VMware_SoftwareInstallationService', 'Name': 'VMware Software Installation Service',
        'SystemCreationClassName': 'OMC_UnitaryComputerSystem', 'SystemName': 'esx-001'})
    conn.GetInstance(job)  # connect and warm up
    start = time.perf_counter()
    for _ in range(int(gets)):
        conn.GetInstance(job)
    gets_rate = int(gets) / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(int(pairs)):
        rv, out = conn.InvokeMethod('InstallFromURI', service, URI='file:///vmfs/volumes/ds1/bench-2.0.0.zip', Target=system)
        if rv != 4096:
            sys.exit('InstallFromURI returned %d' % rv)
        conn.GetInstance(out['Job'])
    pairs_rate = int(pairs) / (time.perf_counter() - start)
    print(json.dumps({'gets_per_second': gets_rate, 'pairs_per_second': pairs_rate}))


if __name__ == '__main__':
    main()
