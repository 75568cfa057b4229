import { startServer } from '../../server'
import { EXIT_FAILURE, EXIT_OK, type Command } from '../command'
import { hasInteractiveDisplay, openInBrowser } from '../open-browser'
import { openServices } from '../open-services'
import { parseOptions, parsePort } from '../parse-options'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the studio in your browser (web mode, this machine only)',
  usage: `Usage: mixture-studio serve [--port N] [--open | --no-open]

Starts the web interface on 127.0.0.1 and prints its address, which contains a one-time
token: only someone with that address can use it. Runs until Ctrl+C.

  --port N     listen on port N (default: a free port)
  --open       open the address in a browser
  --no-open    never open a browser (the default over SSH and without a display)`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      port: { type: 'string' },
      open: { type: 'boolean' },
      'no-open': { type: 'boolean' },
    })
    const port = parsePort(values.port)
    const services = openServices(context, { startsQueuedRuns: true })
    let server
    try {
      server = await startServer({ services, port })
    } catch (error) {
      await services.close()
      const code = (error as NodeJS.ErrnoException).code
      context.stderr(
        code === 'EADDRINUSE'
          ? `Port ${port} is already in use. Choose another with --port, or leave it out to get a free one.\n`
          : `Could not start the server: ${(error as Error).message}\n`,
      )
      return EXIT_FAILURE
    }

    context.stdout(`Mixture Studio is running at ${server.url}\n`)
    context.stdout(`Data: ${services.dataDir}\nPress Ctrl+C to stop.\n`)
    const open = values['no-open'] ? false : (values.open ?? hasInteractiveDisplay(context.env, process.platform))
    if (open) {
      const problem = await openInBrowser(server.url)
      if (problem) context.stderr(`Open the address above in your browser (${problem}).\n`)
    }

    await context.untilInterrupted()
    context.stdout('Stopping…\n')
    await server.close()
    await services.close()
    return EXIT_OK
  },
}
