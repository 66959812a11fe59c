// Default values of the CLI's options, in a module of their own: building the command line (main.ts) loads neither the
// machine nor the gdb server; each command imports what it runs when it runs.

/** Default load address of raw images: the arm64 Image convention (RAM base + 0x80000). */
export const DEFAULT_LOAD_ADDR = 0x4008_0000n;

/** The image `el2dbg serve` debugs when no --image is given, relative to the project folder. */
export const DEMO_IMAGE = 'guests/build/demo.elf';

/** The TCP port `el2dbg serve` listens on when no --port is given. */
export const DEFAULT_PORT = 1234;
