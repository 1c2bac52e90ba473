/**
 * The textbook's Keras callbacks as plain state machines over each epoch's validation figures,
 * with Keras's rules (strict improvement, a wait counter, patience). Their state is plain data so
 * a resumed run continues exactly where the checkpoint left it.
 */

export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  wait: number;
}

/** EarlyStopping(monitor='val_loss', patience=10, restore_best_weights=True). */
export class EarlyStopping {
  constructor(
    readonly patience = 10,
    public state: EarlyStoppingState = { best: Infinity, bestEpoch: -1, wait: 0 },
  ) {}

  /** Returns whether this epoch is the new best (its weights are the ones to restore) and whether to stop. */
  update(epoch: number, valLoss: number): { improved: boolean; stop: boolean } {
    if (valLoss < this.state.best) {
      this.state = { best: valLoss, bestEpoch: epoch, wait: 0 };
      return { improved: true, stop: false };
    }
    this.state = { ...this.state, wait: this.state.wait + 1 };
    return { improved: false, stop: this.state.wait >= this.patience };
  }
}

export interface PlateauState {
  best: number;
  wait: number;
}

/** ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=5, min_lr=1e-6). */
export class ReduceLrOnPlateau {
  constructor(
    readonly factor = 0.5,
    readonly patience = 5,
    readonly minLr = 1e-6,
    public state: PlateauState = { best: Infinity, wait: 0 },
  ) {}

  /** Returns the learning rate for the next epoch. */
  update(valLoss: number, learningRate: number): number {
    if (valLoss < this.state.best) {
      this.state = { best: valLoss, wait: 0 };
      return learningRate;
    }
    const wait = this.state.wait + 1;
    if (wait >= this.patience && learningRate > this.minLr) {
      this.state = { ...this.state, wait: 0 };
      return Math.max(learningRate * this.factor, this.minLr);
    }
    this.state = { ...this.state, wait };
    return learningRate;
  }
}

/** ModelCheckpoint(monitor='val_accuracy', save_best_only=True): whether this epoch's model is to be saved. */
export class BestCheckpoint {
  constructor(public best = -Infinity) {}

  update(valAccuracy: number): boolean {
    if (valAccuracy <= this.best) return false;
    this.best = valAccuracy;
    return true;
  }
}
