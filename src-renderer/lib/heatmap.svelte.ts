/** Whether the open image has a heatmap: the overlay loads it, the score panel's controls follow it. */
class HeatmapAvailability {
  status = $state<'loading' | 'ready' | 'none' | 'error'>('loading');
}

export const heatmapAvailability = new HeatmapAvailability();
