import type { BuildOptions } from 'esbuild';
export declare const external: string[];
export declare function runtimeBuildOptions(opts?: { minify?: boolean }): BuildOptions;
