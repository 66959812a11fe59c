/** CPU models a machine can have: unicorn's AArch64 models, by QEMU's names. */
export const CPU_MODELS = ['cortex-a57', 'cortex-a72', 'max'] as const;
export type CpuModel = (typeof CPU_MODELS)[number];
/** unicorn's UC_CPU_ARM64 name of each model. */
export const UC_CPU_OF = { 'cortex-a57': 'A57', 'cortex-a72': 'A72', max: 'MAX' } as const;
