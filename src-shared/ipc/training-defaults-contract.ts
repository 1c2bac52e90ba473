import { z } from 'zod';

/** `training.defaults`: what the CIFAR-10 panel can prefill on this machine. */
export const trainingDefaultsChannel = {
  request: z.strictObject({}),
  response: z.object({
    /** A CIFAR-10 release found in the shared data folder ($CXR_SHARED_DATA or ../shared/data), if any. */
    datasetPath: z.string().nullable(),
  }),
};
