// The el2dbg package API: what policy modules and scripts import from 'el2dbg'.
export { Stage2PolicyBuilder, type Stage2Policy, type Stage2Translation } from './core/stage2/stage2-policy.js';
export { DEVICE, NORMAL } from './core/stage2/stage2-attributes.js';
export type {
  MmioAccessHandlers, MmioReadAccess, MmioReadHandler, MmioReadResult, MmioWriteAccess, MmioWriteHandler, MmioWriteResult, Stage2Attributes,
} from './core/stage2/stage2-types.js';
export { Stage2PolicyError } from './core/stage2/stage2-errors.js';
export { buildAllowAllPolicy, buildRitmQemuPolicy } from './core/stage2/ritm-qemu-policy.js';
export { Machine, type MachineConfig } from './core/machine/machine.js';
export type { HaltReason, MachineEvent, Stage2TrapEvent } from './core/machine/events.js';
export type { Decision, DecisionOverride } from './core/el2/decision.js';
export type { TrapFrame } from './core/el2/trap-frame.js';
export { loadUnicorn } from './core/unicorn/library.js';
export { parseImage } from './core/loader/image-loader.js';
export { readImageFile } from './core/loader/read-image-file.js';
export { describeEsr } from './core/syndrome/esr-describe.js';
export { Guest, type GuestOptions, type RunUntilResult } from './api/guest.js';
