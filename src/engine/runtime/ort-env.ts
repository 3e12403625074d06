/**
 * Process settings ONNX Runtime reads when its native library starts, so this module is imported before
 * onnxruntime-node. Its telemetry (a device id under ~/.cache/Microsoft, and a warning where home is not
 * writable) is switched off unless the user set ORT_DISABLE_TELEMETRY themselves.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
