"""The seed's pseudocode ("Monitoring VIB Installation"), run with pywbem against a CIM server.

Usage: seed_monitor.py URL USER PASSWORD-ENV-VAR BUNDLE_URI
Prints the seed's lines; exits 0 when the job reached PercentComplete 100.
"""
import os
import sys
import time

import pywbem


def main():
    url, user, password_env, uri = sys.argv[1:5]
    connection = pywbem.WBEMConnection(url, (user, os.environ[password_env]),
                                       default_namespace='root/cimv2', no_verification=True)
    # Identifying the Base Server scoping instance
    profiles = connection.EnumerateInstances('CIM_RegisteredProfile', namespace='root/interop')
    base = [p for p in profiles if p['RegisteredName'] == 'Base Server'][0]
    system = connection.AssociatorNames(base.path, AssocClass='CIM_ElementConformsToProfile',
                                        ResultClass='CIM_ComputerSystem')[0]
    service = connection.AssociatorNames(system, AssocClass='CIM_HostedService',
                                         ResultClass='CIM_SoftwareInstallationService')[0]
    # Installing VIBs
    error_return, output = connection.InvokeMethod('InstallFromURI', service, URI=uri, Target=system)
    print('InstallFromURI returned %d' % error_return)
    job_ref = output['Job']
    print('Software installation in progress...')
    ticks = 0
    while True:
        job = connection.GetInstance(job_ref)
        print('   percent complete %3d' % job['PercentComplete'])
        print('   job status: %s' % job['JobStatus'])
        if job['PercentComplete'] == 100:
            break
        print('Time elapsed: %d seconds' % ticks)
        print()
        time.sleep(0.5)
        ticks += 1
        if ticks > 120:
            sys.exit('job did not finish')
    print('      error code: %s' % job['ErrorCode'])
    print('     description: %s' % job['ErrorDescription'])
    print('Time elapsed: %d seconds' % ticks)


if __name__ == '__main__':
    main()
