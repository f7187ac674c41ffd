/**
 * The PC serial port: a 16550A UART device model ({@link platform.pc.uart.Uart16550}) and the
 * host-side backends its serial line is connected to (terminal, file, TCP socket, memory).
 * Plain Java, no OSGi code.
 */
package platform.pc.uart;
