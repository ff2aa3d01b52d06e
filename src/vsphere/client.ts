/**
 * The vSphere (vim25) client vibflow needs for remediation: log in, read hosts and clusters,
 * drive and watch maintenance-mode and reboot tasks, and get CIM services tickets. Knows nothing
 * of Temporal. A session the server ended is logged in again once, transparently.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TlsOptions } from '../tls';
import type { SoapField } from './envelope';
import { VsphereFault, VsphereHttpError, VsphereProtocolError, VsphereTaskTimeoutError, VsphereUsageError } from './errors';
import { HOST_STATE_PATHS, hostStateOf } from './hosts';
import { Inventory, inventoryFilter } from './inventory';
import { acceptanceLevelOf, datastoreFilter, datastorePath, datastoresOf, folderUrlPath, searchResultFiles, searchSpec } from './datastores';
import type { CimServicesTicket, ClusterSummary, DatastoreFile, DatastoreSummary, HostAcceptanceLevel, HostState, HostSummary, MoRef, TaskInfo } from './model';
import { decodeRetrieveResult, retrieveArguments, type ObjectContent, type PropertyFilterSpec, type RetrieveResult } from './propertyCollector';
import { taskFault, taskInfoOf, taskLabel } from './tasks';
import { SoapTransport, type CallOptions, type RequestDone } from './transport';
import { readDateTime, readMoRef, readNumber, readObject, readString, VimValueError, type VimObject, type VimValue } from './values';

export interface VsphereLoginOptions {
  /** https://vcenter[:port][/sdk]; /sdk is added when the URL has no path. */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly tls?: TlsOptions;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Told of every SOAP request when it ends: the vim25 method, 'ok' or the error's category, and the duration. */
  readonly onRequestDone?: (done: RequestDone) => void;
}

export interface VsphereAbout {
  /** "VirtualCenter" for vCenter, "HostAgent" for an ESXi host's own /sdk. */
  readonly apiType: string;
  readonly apiVersion: string;
  readonly fullName: string;
  readonly instanceUuid: string | null;
}

export interface WaitForTaskOptions {
  readonly pollIntervalMs?: number;
  /** Bound on the whole wait; without it the wait lasts until the task ends or the signal aborts. */
  readonly timeoutMs?: number;
  /** Told of each poll that finds the task still queued or running. */
  readonly onProgress?: (info: TaskInfo) => void;
  readonly signal?: AbortSignal;
}

/** The ServiceContent references a caller needs for its own retrievals and calls. */
export interface VsphereServiceContent {
  readonly rootFolder: MoRef;
  readonly propertyCollector: MoRef;
  readonly sessionManager: MoRef;
  /** FileManager (datastore directories, moves, deletes); null on a server without one. */
  readonly fileManager: MoRef | null;
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };
const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_POLL_INTERVAL_MS = 1_000;

function aboutOf(about: VimObject): VsphereAbout {
  const instanceUuid = about.get('instanceUuid');
  return {
    apiType: readString(about.get('apiType'), 'about.apiType'),
    apiVersion: readString(about.get('apiVersion'), 'about.apiVersion'),
    fullName: readString(about.get('fullName'), 'about.fullName'),
    instanceUuid: typeof instanceUuid === 'string' ? instanceUuid : null,
  };
}

function ticketOf(value: VimValue | undefined): CimServicesTicket {
  const ticket = readObject(value, 'HostServiceTicket');
  const optional = (field: string) => {
    const v = ticket.get(field);
    return v === undefined ? null : readString(v, `HostServiceTicket.${field}`);
  };
  const port = ticket.get('port');
  return {
    sessionId: readString(ticket.get('sessionId'), 'HostServiceTicket.sessionId'),
    host: optional('host'),
    port: port === undefined ? null : readNumber(port, 'HostServiceTicket.port'),
    sslThumbprint: optional('sslThumbprint'),
  };
}

export class VsphereClient {
  /** Kept for logging in again when the server ends the session; never shown (a private field stays out of JSON and inspection). */
  #credentials: { readonly user: string; readonly password: string } | null;
  /** Bumped on every login, so calls that failed on an older session do not log in once more. */
  #sessionGeneration = 0;
  #relogin: Promise<void> | undefined;

  private constructor(
    private readonly transport: SoapTransport,
    readonly serviceContent: VsphereServiceContent,
    readonly about: VsphereAbout,
    credentials: { readonly user: string; readonly password: string },
  ) {
    this.#credentials = credentials;
  }

  /** host:port of the vCenter, as every error names it. */
  get host(): string {
    return this.transport.host;
  }

  /** RetrieveServiceContent, then SessionManager.Login. */
  static async login(options: VsphereLoginOptions): Promise<VsphereClient> {
    const transport = new SoapTransport({
      url: options.url,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.onRequestDone ? { onRequestDone: options.onRequestDone } : {}),
    });
    try {
      if (!options.user) throw new VsphereUsageError('Login', transport.host, 'user: must not be empty');
      if (!options.password) throw new VsphereUsageError('Login', transport.host, `password: must not be empty (user "${options.user}")`);
      const serviceContent = await transport.invoke('RetrieveServiceContent', SERVICE_INSTANCE, [], { idempotent: true });
      const client = decoding('RetrieveServiceContent', transport.host, () => {
        const content = readObject(serviceContent, 'ServiceContent');
        const service = {
          rootFolder: readMoRef(content.get('rootFolder'), 'ServiceContent.rootFolder'),
          propertyCollector: readMoRef(content.get('propertyCollector'), 'ServiceContent.propertyCollector'),
          sessionManager: readMoRef(content.get('sessionManager'), 'ServiceContent.sessionManager'),
          fileManager: content.get('fileManager') === undefined ? null : readMoRef(content.get('fileManager'), 'ServiceContent.fileManager'),
        };
        return new VsphereClient(transport, service, aboutOf(readObject(content.get('about'), 'ServiceContent.about')), { user: options.user, password: options.password });
      });
      transport.apiVersion = client.about.apiVersion;
      await client.startSession();
      return client;
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  private async startSession(): Promise<void> {
    const credentials = this.#credentials;
    if (!credentials) throw new VsphereUsageError('Login', this.host, 'the client has logged out');
    this.transport.forgetSession();
    try {
      await this.transport.invoke('Login', this.serviceContent.sessionManager, [['userName', credentials.user], ['password', credentials.password]], { secrets: [credentials.password] });
    } catch (err) {
      if (err instanceof VsphereFault && err.faultType === 'InvalidLogin') {
        const said = err.faultMessage ? `: ${err.faultMessage}` : '';
        throw new VsphereFault('Login', this.host, 'InvalidLogin', err.faultMessage, `vCenter refused the login for user "${credentials.user}" (InvalidLogin${said})`);
      }
      throw err;
    }
    this.#sessionGeneration++;
  }

  /** One login for every call that found the session gone at the same time. */
  private relogin(): Promise<void> {
    this.#relogin ??= this.startSession().finally(() => (this.#relogin = undefined));
    return this.#relogin;
  }

  /**
   * Calls a vim25 method this client does not wrap, e.g. CancelTask or QueryWhatIfEnterMaintenance.
   * Arguments after _this go in schema order. Logs in again once if the server ended the session:
   * a NotAuthenticated call was never executed, so repeating it is safe even for a task.
   */
  async invoke(method: string, target: MoRef, args: readonly SoapField[] = [], options: CallOptions = {}): Promise<VimValue | undefined> {
    const generation = this.#sessionGeneration;
    try {
      return await this.transport.invoke(method, target, args, options);
    } catch (err) {
      if (!(err instanceof VsphereFault && err.faultType === 'NotAuthenticated') || !this.#credentials) throw err;
      if (generation === this.#sessionGeneration) await this.relogin();
      return this.transport.invoke(method, target, args, options);
    }
  }

  /** One page of PropertyCollector.RetrievePropertiesEx; follow `token` with continueRetrievePropertiesEx. */
  async retrievePropertiesEx(specSet: readonly PropertyFilterSpec[], options: { readonly maxObjects?: number } = {}): Promise<RetrieveResult> {
    if (options.maxObjects !== undefined && !(Number.isInteger(options.maxObjects) && options.maxObjects > 0)) {
      throw new VsphereUsageError('RetrievePropertiesEx', this.host, `options.maxObjects: must be a positive integer, not ${options.maxObjects}`);
    }
    const value = await this.invoke('RetrievePropertiesEx', this.serviceContent.propertyCollector, retrieveArguments(specSet, options.maxObjects), { idempotent: true });
    return decoding('RetrievePropertiesEx', this.host, () => decodeRetrieveResult(value));
  }

  async continueRetrievePropertiesEx(token: string): Promise<RetrieveResult> {
    const value = await this.invoke('ContinueRetrievePropertiesEx', this.serviceContent.propertyCollector, [['token', token]]);
    return decoding('ContinueRetrievePropertiesEx', this.host, () => decodeRetrieveResult(value));
  }

  /** Every page of a retrieval, maxObjects objects at a time. */
  async retrieveAll(specSet: readonly PropertyFilterSpec[], options: { readonly maxObjects?: number } = {}): Promise<ObjectContent[]> {
    let page = await this.retrievePropertiesEx(specSet, options);
    const objects = [...page.objects];
    while (page.token) {
      page = await this.continueRetrievePropertiesEx(page.token);
      objects.push(...page.objects);
    }
    return objects;
  }

  private async inventory(withHosts: boolean, pageSize: number): Promise<Inventory> {
    return new Inventory(await this.retrieveAll([inventoryFilter(this.serviceContent.rootFolder, withHosts)], { maxObjects: pageSize }));
  }

  async listClusters(options: { readonly pageSize?: number } = {}): Promise<ClusterSummary[]> {
    const inventory = await this.inventory(false, options.pageSize ?? DEFAULT_PAGE_SIZE);
    return decoding('listClusters', this.host, () => inventory.clusters());
  }

  /** Every host of every datacenter, in clusters or standalone. */
  async listHosts(options: { readonly pageSize?: number } = {}): Promise<HostSummary[]> {
    const inventory = await this.inventory(true, options.pageSize ?? DEFAULT_PAGE_SIZE);
    return decoding('listHosts', this.host, () => inventory.hosts());
  }

  private async properties(obj: MoRef, type: string, pathSet: readonly string[], operation: string): Promise<ObjectContent> {
    const [content] = (await this.retrievePropertiesEx([{ propSet: [{ type, pathSet }], objectSet: [{ obj }] }])).objects;
    if (!content) throw new VsphereProtocolError(operation, this.host, `no properties came back for ${obj.type} ${obj.value}`);
    return content;
  }

  async hostState(host: MoRef): Promise<HostState> {
    this.expectRef('hostState', 'host', host, 'HostSystem');
    const content = await this.properties(host, 'HostSystem', HOST_STATE_PATHS, 'hostState');
    return decoding('hostState', this.host, () => hostStateOf(content));
  }

  /** HostSystem.recentTask, each with its info, in one retrieval (a task that vanished in between is left out). */
  async recentTasks(host: MoRef): Promise<TaskInfo[]> {
    this.expectRef('recentTasks', 'host', host, 'HostSystem');
    const { objects } = await this.retrievePropertiesEx([
      { propSet: [{ type: 'Task', pathSet: ['info'] }], objectSet: [{ obj: host, skip: true, selectSet: [{ type: 'HostSystem', path: 'recentTask', skip: false }] }] },
    ]);
    return decoding('recentTasks', this.host, () => objects.map((content) => taskInfoOf(content.obj, content.properties.get('info'))));
  }

  /** ServiceInstance.CurrentTime: the server's clock, which task times are written by. */
  async currentTime(): Promise<string> {
    const value = await this.invoke('CurrentTime', SERVICE_INSTANCE, [], { idempotent: true });
    return decoding('CurrentTime', this.host, () => readDateTime(value, 'CurrentTime'));
  }

  async taskInfo(task: MoRef): Promise<TaskInfo> {
    this.expectRef('taskInfo', 'task', task, 'Task');
    const content = await this.properties(task, 'Task', ['info'], 'taskInfo');
    return decoding('taskInfo', this.host, () => taskInfoOf(task, content.properties.get('info')));
  }

  /** Polls the task until it succeeds (resolves with its info) or fails (rejects with its fault as a VsphereFault). */
  async waitForTask(task: MoRef, options: WaitForTaskOptions = {}): Promise<TaskInfo> {
    const { pollIntervalMs = DEFAULT_POLL_INTERVAL_MS, timeoutMs, onProgress, signal } = options;
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const info = await this.taskInfo(task);
      if (info.state === 'success') return info;
      if (info.state === 'error') throw taskFault(info, this.host);
      onProgress?.(info);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new VsphereTaskTimeoutError('waitForTask', this.host, `${taskLabel(info)} is still ${info.state}${info.progress !== null ? ` at ${info.progress} %` : ''} after ${timeoutMs} ms`);
      }
      try {
        await sleep(Math.min(pollIntervalMs, remaining), undefined, signal ? { signal } : {});
      } catch (err) {
        signal?.throwIfAborted(); // the caller's reason, not Node's AbortError
        throw err;
      }
    }
  }

  private async startTask(method: string, host: MoRef, args: readonly SoapField[]): Promise<MoRef> {
    this.expectRef(method, 'host', host, 'HostSystem');
    const value = await this.invoke(method, host, args);
    return decoding(method, this.host, () => readMoRef(value, `${method}'s task`));
  }

  /** EnterMaintenanceMode_Task; `timeoutSeconds` 0 means vCenter waits as long as it takes. Returns the task. */
  async enterMaintenanceMode(host: MoRef, options: { readonly timeoutSeconds: number; readonly evacuatePoweredOffVms?: boolean }): Promise<MoRef> {
    this.expectSeconds('EnterMaintenanceMode_Task', options.timeoutSeconds);
    return this.startTask('EnterMaintenanceMode_Task', host, [['timeout', options.timeoutSeconds], ['evacuatePoweredOffVms', options.evacuatePoweredOffVms]]);
  }

  async exitMaintenanceMode(host: MoRef, options: { readonly timeoutSeconds: number }): Promise<MoRef> {
    this.expectSeconds('ExitMaintenanceMode_Task', options.timeoutSeconds);
    return this.startTask('ExitMaintenanceMode_Task', host, [['timeout', options.timeoutSeconds]]);
  }

  /** RebootHost_Task; without force vCenter requires the host to be in maintenance mode. */
  async rebootHost(host: MoRef, options: { readonly force: boolean }): Promise<MoRef> {
    return this.startTask('RebootHost_Task', host, [['force', options.force]]);
  }

  async cancelTask(task: MoRef): Promise<void> {
    this.expectRef('CancelTask', 'task', task, 'Task');
    await this.invoke('CancelTask', task);
  }

  /** A one-time ticket the host's CIM server takes as both user name and password. */
  async acquireCimServicesTicket(host: MoRef): Promise<CimServicesTicket> {
    this.expectRef('AcquireCimServicesTicket', 'host', host, 'HostSystem');
    const value = await this.invoke('AcquireCimServicesTicket', host);
    return decoding('AcquireCimServicesTicket', this.host, () => ticketOf(value));
  }

  /** Every datastore of every datacenter, with its room and which hosts mount it. */
  async listDatastores(options: { readonly pageSize?: number } = {}): Promise<DatastoreSummary[]> {
    const objects = await this.retrieveAll([datastoreFilter(this.serviceContent.rootFolder)], { maxObjects: options.pageSize ?? DEFAULT_PAGE_SIZE });
    return decoding('listDatastores', this.host, () => datastoresOf(objects));
  }

  /** The host's image acceptance level (HostImageConfigManager.HostImageConfigGetAcceptance). */
  async hostAcceptanceLevel(host: MoRef): Promise<HostAcceptanceLevel> {
    this.expectRef('HostImageConfigGetAcceptance', 'host', host, 'HostSystem');
    const content = await this.properties(host, 'HostSystem', ['configManager.imageConfigManager'], 'HostImageConfigGetAcceptance');
    const manager = decoding('HostImageConfigGetAcceptance', this.host, () => readMoRef(content.properties.get('configManager.imageConfigManager'), `${host.value} configManager.imageConfigManager`));
    const value = await this.invoke('HostImageConfigGetAcceptance', manager, [], { idempotent: true });
    return decoding('HostImageConfigGetAcceptance', this.host, () => acceptanceLevelOf(value));
  }

  private get fileManager(): MoRef {
    const manager = this.serviceContent.fileManager;
    if (!manager) throw new VsphereUsageError('FileManager', this.host, 'the server has no FileManager (is this a vCenter?)');
    return manager;
  }

  /** FileManager.MakeDirectory with its parents; a directory that is already there is fine. */
  async makeDirectory(datacenter: MoRef, datastore: string, path: string): Promise<void> {
    try {
      await this.invoke('MakeDirectory', this.fileManager, [['name', datastorePath(datastore, path)], ['datacenter', datacenter], ['createParentDirectories', true]]);
    } catch (err) {
      if (!(err instanceof VsphereFault && err.faultType === 'FileAlreadyExists')) throw err;
    }
  }

  private async runTask(method: string, target: MoRef, args: readonly SoapField[], timeoutMs = 10 * 60_000): Promise<VimValue | undefined> {
    const value = await this.invoke(method, target, args);
    const task = decoding(method, this.host, () => readMoRef(value, `${method}'s task`));
    await this.waitForTask(task, { pollIntervalMs: 250, timeoutMs });
    const content = await this.properties(task, 'Task', ['info.result'], method);
    return content.properties.get('info.result');
  }

  /** FileManager.MoveDatastoreFile_Task within one datastore; `force` replaces a file at the destination. */
  async moveDatastoreFile(datacenter: MoRef, datastore: string, from: string, to: string, options: { readonly force: boolean }): Promise<void> {
    await this.runTask('MoveDatastoreFile_Task', this.fileManager, [
      ['sourceName', datastorePath(datastore, from)], ['sourceDatacenter', datacenter],
      ['destinationName', datastorePath(datastore, to)], ['destinationDatacenter', datacenter], ['force', options.force],
    ]);
  }

  /** FileManager.DeleteDatastoreFile_Task (a directory goes with its contents); resolves false when nothing was there. */
  async deleteDatastoreFile(datacenter: MoRef, datastore: string, path: string): Promise<boolean> {
    try {
      await this.runTask('DeleteDatastoreFile_Task', this.fileManager, [['name', datastorePath(datastore, path)], ['datacenter', datacenter]]);
      return true;
    } catch (err) {
      if (err instanceof VsphereFault && (err.faultType === 'FileNotFound' || /not found|no such file/i.test(err.faultMessage))) return false;
      throw err;
    }
  }

  /** The files under `folder` of the datastore matching `pattern` (subfolders too), with sizes; none when the folder is not there. */
  async searchDatastore(datastore: DatastoreSummary, folder: string, pattern = '*'): Promise<DatastoreFile[]> {
    const content = await this.properties(datastore.ref, 'Datastore', ['browser'], 'SearchDatastoreSubFolders_Task');
    const browser = decoding('SearchDatastoreSubFolders_Task', this.host, () => readMoRef(content.properties.get('browser'), `${datastore.ref.value} browser`));
    try {
      const result = await this.runTask('SearchDatastoreSubFolders_Task', browser, [['datastorePath', datastorePath(datastore.name, folder)], ['searchSpec', searchSpec(pattern)]]);
      return decoding('SearchDatastoreSubFolders_Task', this.host, () => searchResultFiles(result));
    } catch (err) {
      if (err instanceof VsphereFault && (err.faultType === 'FileNotFound' || /not found/i.test(err.faultMessage))) return [];
      throw err;
    }
  }

  /** Streams `body` (`sizeBytes` long) into a file on the datastore through vCenter's /folder endpoint (PUT overwrites). */
  async uploadFile(datastore: DatastoreSummary, path: string, body: NodeJS.ReadableStream, sizeBytes: number): Promise<void> {
    await this.currentTime(); // a live session: the upload's body cannot be sent twice
    const operation = `upload of ${datastorePath(datastore.name, path)}`;
    const response = await this.transport.sessionRequest(operation, {
      method: 'PUT',
      path: folderUrlPath(datastore.datacenter, datastore.name, path),
      body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(sizeBytes) },
    });
    const text = (await response.body.text().catch(() => '')).slice(0, 300).trim();
    if (response.statusCode !== 200 && response.statusCode !== 201) {
      throw new VsphereHttpError(operation, this.host, response.statusCode, text);
    }
  }

  /** The file's bytes as a stream, or null when the datastore has no such file. */
  async downloadFile(datastore: DatastoreSummary, path: string): Promise<NodeJS.ReadableStream | null> {
    await this.currentTime();
    const operation = `download of ${datastorePath(datastore.name, path)}`;
    const response = await this.transport.sessionRequest(operation, { method: 'GET', path: folderUrlPath(datastore.datacenter, datastore.name, path) });
    if (response.statusCode === 404) {
      await response.body.dump();
      return null;
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new VsphereHttpError(operation, this.host, response.statusCode);
    }
    return response.body;
  }

  /** Ends the session; later calls fail instead of logging in again. */
  async logout(): Promise<void> {
    const hadSession = this.transport.hasSession;
    this.#credentials = null;
    if (!hadSession) return;
    try {
      await this.transport.invoke('Logout', this.serviceContent.sessionManager);
    } catch (err) {
      // A session the server already ended is as logged out as it gets.
      if (!(err instanceof VsphereFault && err.faultType === 'NotAuthenticated')) throw err;
    } finally {
      this.transport.forgetSession();
    }
  }

  /** Logs out (best effort) and closes the connections. */
  async close(): Promise<void> {
    await this.logout().catch(() => undefined);
    await this.transport.close();
  }

  private expectRef(operation: string, field: string, ref: MoRef, type: string): void {
    if (ref?.type !== type || !ref.value) {
      throw new VsphereUsageError(operation, this.host, `${field}: expected a ${type} reference, got ${ref ? `${ref.type} "${ref.value}"` : 'nothing'}`);
    }
  }

  private expectSeconds(operation: string, seconds: number): void {
    if (!(Number.isInteger(seconds) && seconds >= 0)) {
      throw new VsphereUsageError(operation, this.host, `options.timeoutSeconds: must be a whole number of seconds >= 0 (0: no timeout), not ${seconds}`);
    }
  }
}

/** Runs a decoding step; a value of the wrong shape becomes a protocol error naming the operation. */
function decoding<T>(operation: string, host: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof VimValueError) throw new VsphereProtocolError(operation, host, err.message);
    throw err;
  }
}
