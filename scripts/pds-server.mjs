// Start the reference Bluesky server (@atproto/pds) and an in-memory PLC directory
// (@did-plc/server) in this one Node process, for the tests. scripts/pds installs
// both, copies this file beside their node_modules and runs it with Node 22 and the
// PDS_* settings in the environment (the PDS reads its whole configuration there).
// PLC_PORT is the directory's port; PDS_DID_PLC_URL must name it by host name.
import * as plc from '@did-plc/server'
import * as pds from '@atproto/pds'

const plcPort = Number(process.env.PLC_PORT)
const directory = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
await directory.start()

const env = pds.readEnv()
const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env))
await server.start()
console.log(`pds listening on port ${env.port}, plc on port ${plcPort}`)

const stop = async () => {
  await server.destroy().catch(() => {})
  await directory.destroy().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
