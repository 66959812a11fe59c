// The error thrown when a guest image cannot be loaded: the problem's code and data, and a message built from them.
import { describeImageLoadProblem } from './image-load-error-message.js';
import type { ImageLoadErrorCode, ImageLoadProblem } from './image-load-problem.js';

export type { ImageDefect, ImageLoadErrorCode, ImageLoadProblem, ImagePart } from './image-load-problem.js';

export class ImageLoadError extends Error {
  readonly code: ImageLoadErrorCode;

  constructor(
    readonly image: string,
    readonly problem: ImageLoadProblem,
    options?: ErrorOptions,
  ) {
    super(describeImageLoadProblem(image, problem), options);
    this.code = problem.code;
    this.name = 'ImageLoadError';
  }
}
