import * as tf from '@tensorflow/tfjs';
import { fail } from './errors.js';
import type { Message, PlateMessage, SampleMessage } from './messages.js';
import { getParamStore } from './param-store.js';
import { currentRandom, subsampleTensor } from './rng.js';
import { broadcastShapes, formatShape } from './shapes.js';
import { setDefaultAction } from './stack.js';

/** What happens to a message when no handler supplied its value: sample, look up, subsample. */
function defaultAction(msg: Message): void {
  switch (msg.type) {
    case 'sample':
      if (msg.value === undefined) {
        const rng = currentRandom();
        msg.reparameterized = msg.fn.hasRsample && !msg.detach;
        msg.value = msg.reparameterized ? msg.fn.rsample(rng) : msg.fn.sample(rng);
      }
      checkValueShape(msg, msg.value);
      return;
    case 'param':
      if (msg.value === undefined) {
        msg.value = getParamStore().value(msg.name, msg.init, msg.constraint, msg.role);
      }
      return;
    case 'plate':
      if (msg.value === undefined) msg.value = subsampleIndices(msg);
      return;
    case 'deterministic':
      return;
  }
}

/** A value's batch dims must broadcast against the distribution's (after plates and particles). */
function checkValueShape(msg: SampleMessage, value: tf.Tensor): void {
  const event = msg.fn.eventShape;
  const valueEvent = value.shape.slice(value.rank - event.length);
  if (value.rank < event.length || !tf.util.arraysEqual(valueEvent, [...event])) {
    fail(
      'shape-mismatch',
      `site '${msg.name}': value of shape ${formatShape(value.shape)} does not end in the event shape ` +
        `${formatShape(event)} of ${msg.fn.name}`,
      msg.name,
    );
  }
  const valueBatch = value.shape.slice(0, value.rank - event.length);
  if (!broadcastShapes(valueBatch, msg.fn.batchShape)) {
    const plates = msg.plates.map((p) => `${p.name} (size ${p.subsampleSize}, dim ${p.dim})`).join(', ');
    fail(
      'shape-mismatch',
      `site '${msg.name}': value batch shape ${formatShape(valueBatch)} does not broadcast with the ` +
        `distribution's batch shape ${formatShape(msg.fn.batchShape)}` +
        (plates ? ` inside plates ${plates}` : '') +
        `; check the data's shape, or subsample it with the plate's indices`,
      msg.name,
    );
  }
}

/** A uniformly random subset (without replacement) of 0..size-1, or all of it. */
function subsampleIndices(msg: PlateMessage): tf.Tensor {
  const { size, subsampleSize } = msg;
  if (subsampleSize >= size) return tf.range(0, size, 1, 'int32');
  // From the particle-independent stream: the same indices for every particle.
  return subsampleTensor(currentRandom().shared, size, subsampleSize);
}

setDefaultAction(defaultAction);
