// The el2dbg package API: what policy modules and scripts import from 'el2dbg'.
export { Stage2PolicyBuilder, type Stage2Policy, type Stage2Translation } from './stage2/stage2-policy.js';
export { DEVICE, NORMAL } from './stage2/stage2-attributes.js';
export type {
  MmioAccessHandlers,
  MmioReadAccess,
  MmioReadHandler,
  MmioReadResult,
  MmioWriteAccess,
  MmioWriteHandler,
  MmioWriteResult,
  Stage2Attributes,
} from './stage2/stage2-types.js';
export { Stage2PolicyError } from './stage2/stage2-errors.js';
export { buildAllowAllPolicy, buildRitmQemuPolicy } from './stage2/ritm-qemu-policy.js';
export { Machine, type MachineConfig } from './machine/machine.js';
export type { HaltReason, MachineEvent, Stage2TrapEvent } from './el2/events.js';
export type { Decision, DecisionOverride } from './el2/decision.js';
export type { TrapFrame } from './el2/trap-frame.js';
export { loadUnicorn } from './unicorn/library.js';
export { parseImage } from './loader/image-loader.js';
export { readImageFile } from './loader/read-image-file.js';
export { describeEsr } from './syndrome/esr-describe.js';
export { Guest, type GuestOptions, type RunUntilResult } from './guest.js';
export { PolicyModuleError, type PolicyFunction, type PolicyModuleContext } from './stage2/policy-module.js';
