export const HELP = `fabwatch — edge runtime for fab-floor gateways

Usage:
  fabwatch [run] [--config FILE]     start the gateway (default command)
  fabwatch analyze RECORDING.json [--json]
                                     offline vibration analysis (and RUL for multi-snapshot
                                     recordings) with the gateway's code; 'analyze --help'
  fabwatch --check-config FILE       validate a config file, print every error, exit 0/2
  fabwatch simulate-device [--map lighthouse|metone6000] (--port N | --serial PATH)
                                     serve a simulated particle counter over Modbus TCP/RTU (--help)
  fabwatch --print-config [--config FILE]
                                     print the effective config (defaults + environment applied)
  fabwatch hash-token [--generate] [--name N] [--role R]
                                     print the hash of an API token for api.auth.tokens
  fabwatch ingest [--db URL] [--mqtt URL] [--report]
                                     the fleet historian: MQTT -> PostgreSQL ('ingest --help')
  fabwatch model keygen|sign|verify|publish ...
                                     make, check and send signed RUL model packages ('model --help')
  fabwatch --version | --help

Options:
  -c, --config FILE   YAML or JSON config (default: $FABWATCH_CONFIG, else config/simulated.yaml)

Environment (overrides the file): PORT, WS_PORT, MQTT_URL, MQTT_BROKER, MQTT_PORT,
SIMULATION_MODE, MODEL_PATH, NODE_ENV, LOG_LEVEL, FABWATCH_CONFIG, FABWATCH_STATE_DIR
(or systemd's STATE_DIRECTORY).

Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or usage.
`;
