export { Sandbox, DEFAULT_SANDBOX_PORTS } from './Sandbox';
export type { SandboxInfo, SandboxOptions, SandboxPorts } from './Sandbox';
export { FAULT_NAMES, STALE_KUBERNETES_HOST } from './SandboxFaults';
export type { ActiveFault, FaultName } from './SandboxFaults';
export { GITOPS_OWNER, GITOPS_REPO } from './seedSandbox';
export { SANDBOX_FILES } from './sandboxFiles';
