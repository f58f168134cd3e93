package dev.starling.dataplane.error;

/**
 * An error with a stable {@link ErrorCode} and a message a user can act on.
 */
public class StarlingException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /**
     * @param code    stable error code.
     * @param message what happened and what to do about it.
     */
    public StarlingException(final ErrorCode code, final String message)
    {
        super(message);
        this.code = code;
    }

    /**
     * @param code    stable error code.
     * @param message what happened and what to do about it.
     * @param cause   the underlying exception.
     */
    public StarlingException(final ErrorCode code, final String message, final Throwable cause)
    {
        super(message, cause);
        this.code = code;
    }

    /**
     * @return the stable error code.
     */
    public ErrorCode code()
    {
        return code;
    }

    /**
     * @return "CODE: message", the form shown to users.
     */
    public String describe()
    {
        return code.name() + ": " + getMessage();
    }
}
